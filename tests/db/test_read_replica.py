"""DATABASE_READ_URL: dashboards read the replica while it is current, the primary otherwise;
imports land on the primary. On SQLite (the replica is a copy of the file) and PostgreSQL (a
second database made from the first as a template); then on a real PostgreSQL streaming
replica (a private primary and standby started by the test), whose replay the test pauses.

The replica is a copy of the primary whose figures are then changed by hand without touching
what the data version counts: it is as current as the primary yet tells its own numbers, so a
page showing them read the replica.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from attendly.extensions import db, engine_options, read_replica
from db.models import Import
from db.reads import replayed, wal_position
from db.version_models import DataVersion
from db.versions import SUMMARIES
from tests.conftest import clean
from tests.realtime.live import free_port
from tests.services import unavailable
from tests.test_page_cache_shared import dispose, import_school, make_app, overview, uncached
from tests.web import school


def copy_database(engine: Engine, tmp: Path) -> str:
    """A copy of the engine's database; returns its URL."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    if url.get_backend_name() == "sqlite":
        target = tmp / "replica.db"
        shutil.copyfile(str(url.database), target)
        return f"sqlite:///{target}"
    name = f"{url.database}_read"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(  # idle pooled connections of earlier tests to this test database
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def make_601_absent_in(url: str) -> None:
    """601 (grade 6) misses 4 of 15 days in the replica only; the data version is unchanged.
    Like every writer of summaries, the change moves their own counter (db.versions), so the
    replica's pre-added Overview sums give way to its summaries."""
    replica = create_engine(url)
    with replica.begin() as connection:
        connection.execute(
            text(
                "UPDATE student_year_summaries SET days_present = days_present - 4, "
                "days_absent = days_absent + 4 WHERE student_id = '601'"
            )
        )
        connection.execute(
            update(DataVersion)
            .where(DataVersion.name == SUMMARIES)
            .values(version=DataVersion.version + 1)
        )
    replica.dispose()


@pytest.fixture
def primary_and_replica(engine: Engine, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The school imported into the engine's database, and an app reading a changed copy."""
    clean(engine)
    url = engine.url.render_as_string(hide_password=False)
    loader = make_app(url, tmp_path / "loader", None, "attendly")
    import_school(loader, tmp_path)
    dispose(loader)
    replica_url = copy_database(engine, tmp_path)
    make_601_absent_in(replica_url)
    app = make_app(url, tmp_path / "app", None, "attendly", database_read_url=replica_url)
    yield app, replica_url
    dispose(app)


def imports_in(url: str) -> int:
    other = create_engine(url)
    with other.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Import))
    other.dispose()
    return int(count or 0)


def test_dashboards_show_the_replicas_numbers_while_it_is_current(
    primary_and_replica: tuple[Flask, str], engine: Engine
) -> None:
    app, replica_url = primary_and_replica
    primary = school.EXPECTED[6]["attendance_rate"]  # 33 of 38 days
    assert uncached(engine, 6)["attendance_rate"] == primary
    shown = overview(app, 6)
    assert shown["attendance_rate"] == 76.32  # 29 of 38 days: the replica's figures
    assert shown == uncached(create_engine(replica_url), 6)
    assert overview(app, 7) == uncached(engine, 7)  # untouched grade: the same either way


def test_an_import_lands_on_the_primary_and_pages_read_it_while_the_replica_lags(
    primary_and_replica: tuple[Flask, str], engine: Engine, tmp_path: Path
) -> None:
    app, replica_url = primary_and_replica
    assert overview(app, 6)["attendance_rate"] == 76.32  # cached from the replica
    replica_imports, primary_imports = imports_in(replica_url), imports_in(str(engine.url))
    import_school(app, tmp_path, absent_601=True)
    assert imports_in(replica_url) == replica_imports  # nothing written to the replica
    assert imports_in(engine.url.render_as_string(hide_password=False)) == primary_imports + 1
    shown = overview(app, 6)  # the replica lags the import: the primary answers
    assert shown == uncached(engine, 6)
    assert shown["attendance_rate"] == 84.21  # 32 of 38 days: the import's numbers


def test_an_unreachable_replica_leaves_the_pages_on_the_primary(
    engine: Engine, tmp_path: Path
) -> None:
    clean(engine)
    url = engine.url.render_as_string(hide_password=False)
    loader = make_app(url, tmp_path / "loader", None, "attendly")
    import_school(loader, tmp_path)
    dispose(loader)
    if engine.dialect.name == "sqlite":
        missing = f"sqlite:///{tmp_path / 'no-such-folder' / 'replica.db'}"
    else:
        missing = make_url(url).set(database="attendly_no_such_replica").render_as_string(False)
    app = make_app(url, tmp_path / "app", None, "attendly", database_read_url=missing)
    assert overview(app, 6) == uncached(engine, 6)
    dispose(app)


def test_pool_sizes_come_from_the_settings(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    app = make_app(
        url, tmp_path, None, "attendly", database_read_url=url, db_pool_size=3, db_max_overflow=2
    )
    with app.app_context():
        replica = read_replica(app)
        assert replica is not None
        for bound in (db.engine, replica.engine):
            if engine.dialect.name == "postgresql":
                assert bound.pool.size() == 3  # type: ignore[attr-defined]
                assert bound.pool._max_overflow == 2  # type: ignore[attr-defined]
    dispose(app)
    assert "pool_size" not in engine_options("sqlite:///x.db", 3, 2)


def test_postgresql_connections_plan_each_statement_for_its_values(
    engine: Engine, tmp_path: Path
) -> None:
    """A generic plan cannot leave out other years' attendance partitions: the app's
    connections (primary and replica) always plan for the statement's own values, pricing
    index probes for data in memory."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    url = engine.url.render_as_string(hide_password=False)
    app = make_app(url, tmp_path, None, "attendly", database_read_url=url)
    with app.app_context():
        replica = read_replica(app)
        assert replica is not None
        for bound in (db.engine, replica.engine):
            with bound.connect() as connection:
                mode = connection.exec_driver_sql("SHOW plan_cache_mode").scalar()
                assert mode == "force_custom_plan"
                cost = connection.exec_driver_sql("SHOW random_page_cost").scalar()
                assert cost == "1.1"
                assert connection.exec_driver_sql("SHOW work_mem").scalar() == "16MB"
    dispose(app)


class StreamingPair:
    """A private PostgreSQL primary and its streaming standby (pg_basebackup -R), on free
    ports in a folder of their own; the test may pause the standby's replay."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            unavailable("PostgreSQL server binaries (initdb) are not installed")
        self.bin = found[-1].parent
        self.folder = Path(tempfile.mkdtemp(prefix="attendly-pair-"))
        self.ports = (free_port(), free_port())
        if os.geteuid() == 0:  # the server refuses to run as root
            shutil.chown(self.folder, "postgres")
        self.primary = f"postgresql+psycopg://postgres@127.0.0.1:{self.ports[0]}/postgres"
        self.standby = f"postgresql+psycopg://postgres@127.0.0.1:{self.ports[1]}/postgres"

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        primary, standby = self.folder / "primary", self.folder / "standby"
        self.run("initdb", "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync")
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self.serve(primary, self.ports[0])
        self.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports[0]), "-U", "postgres",
            "-D", str(standby), "-R", "-X", "stream",
        )  # fmt: skip
        self.serve(standby, self.ports[1])

    def serve(self, folder: Path, port: int) -> None:
        options = f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / f"{folder.name}.log")
        self.run("pg_ctl", "-D", str(folder), "-o", options, "-l", log, "start", "-w")

    def stop(self) -> None:
        for name in ("standby", "primary"):
            if (self.folder / name / "postmaster.pid").exists():
                self.run("pg_ctl", "-D", str(self.folder / name), "stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def on_standby(self, statement: str) -> object:
        standby = create_engine(self.standby, isolation_level="AUTOCOMMIT")
        with standby.connect() as connection:
            value = connection.scalar(text(statement))
        standby.dispose()
        return value

    def wait_replayed(self) -> None:
        primary = create_engine(self.primary)
        with primary.connect() as connection:
            position = connection.scalar(text("SELECT pg_current_wal_lsn()::text"))
        primary.dispose()
        check = f"SELECT pg_last_wal_replay_lsn() >= '{position}'::pg_lsn"
        deadline = time.monotonic() + 30
        while not self.on_standby(check):
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.05)


@pytest.fixture
def streaming_pair() -> Iterator[StreamingPair]:
    pair = StreamingPair()
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()


def reads_replica(app: Flask) -> bool:
    """Whether a callback in `app` would read the replica now (a fresh app context)."""
    from db.reads import read_session

    with app.app_context():
        return read_session() is not db.session()


def test_a_streaming_replica_serves_pages_once_it_has_replayed_what_the_primary_has(
    streaming_pair: StreamingPair, tmp_path: Path
) -> None:
    pair = streaming_pair
    loader = make_app(pair.primary, tmp_path / "loader", None, "attendly")
    import_school(loader, tmp_path)
    dispose(loader)
    pair.wait_replayed()
    app = make_app(pair.primary, tmp_path / "app", None, "attendly", database_read_url=pair.standby)
    with app.app_context():
        replica = read_replica(app)
        assert replica is not None
        assert replayed(replica.session(), str(wal_position(db.session())))  # the cheap check
    assert reads_replica(app)
    assert overview(app, 6)["attendance_rate"] == school.EXPECTED[6]["attendance_rate"]

    pair.on_standby("SELECT pg_wal_replay_pause()")  # the replica now lags
    import_school(app, tmp_path, absent_601=True)
    assert not reads_replica(app)
    assert overview(app, 6)["attendance_rate"] == 84.21  # the import's numbers, from the primary
    standby = create_engine(pair.standby)
    assert uncached(standby, 6)["attendance_rate"] == school.EXPECTED[6]["attendance_rate"]

    pair.on_standby("SELECT pg_wal_replay_resume()")
    pair.wait_replayed()
    assert reads_replica(app)
    assert overview(app, 6)["attendance_rate"] == 84.21 == uncached(standby, 6)["attendance_rate"]
    standby.dispose()
    dispose(app)
