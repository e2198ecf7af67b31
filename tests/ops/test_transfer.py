"""`attendly export-all` / `import-all` end to end, through the real console script.

A school built on SQLite moves to PostgreSQL and back with the same figures, logins, tokens
and import history; a damaged or foreign archive is rejected with the target untouched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from attendly.extensions import db as sqla
from attendly.transfer import dataset_tables
from tests import school
from tests.ops.transfer_school import (
    BuiltSchool,
    attendly,
    build,
    environment,
    ok,
    sign_in,
    table_files,
    views,
)
from tests.services import POSTGRES_URL, fresh_postgres_database, unavailable

AUDIT_FILE = "tables/audit_log.jsonl"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> BuiltSchool:
    """The school on SQLite, exported once for every test of this module."""
    return build(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def source_views(source: BuiltSchool) -> dict[tuple[str, ...], object]:
    return views(source.env)


def postgres_env(folder: Path, suffix: str) -> dict[str, str]:
    """A fresh PostgreSQL database of this test run (nothing in it, not even the schema)."""
    return environment(folder / "instance", fresh_postgres_database(POSTGRES_URL + suffix))


def audit_lines(files: dict[str, bytes]) -> list[dict[str, object]]:
    columns = ("id", "at", "username", "action", "entity", "entity_id", "details")
    return [
        dict(zip(columns, json.loads(line), strict=True))
        for line in files[AUDIT_FILE].split(b"\n")
        if line
    ]


def assert_same_dataset(first: Path, second: Path, moves: int) -> None:
    """Every table file identical; the second's audit log is the first's plus one import and
    one export entry per move."""
    before, after = table_files(first), table_files(second)
    assert set(before) == set(after)
    for name in before:
        if name != AUDIT_FILE:
            assert before[name] == after[name], name
    old, new = audit_lines(before), audit_lines(after)
    assert new[: len(old)] == old
    assert [entry["action"] for entry in new[len(old) :]] == ["import", "export"] * moves


def test_sqlite_to_postgresql_keeps_figures_logins_and_tokens(
    source: BuiltSchool, source_views: dict[tuple[str, ...], object], tmp_path: Path
) -> None:
    target = postgres_env(tmp_path, "_transfer_pg")
    out = ok(target, "import-all", str(source.archive))
    assert "imported" in out and "rows" in out
    assert views(target) == source_views
    assert "ok" in ok(target, "verify")
    ok(target, "export-all", str(tmp_path / "again.zip"))
    assert_same_dataset(source.archive, tmp_path / "again.zip", moves=1)
    signed = sign_in(target, "boss", source.token)
    assert signed["login"] == 302 and signed["session_kpis"] == 200
    assert signed["wrong_password"] == 401  # the form again, not a redirect
    assert signed["api"] == 200 and signed["api_kpis"] == source_views[("kpis", "--json")]


def test_rollback_and_new_rows_work_after_the_move(source: BuiltSchool, tmp_path: Path) -> None:
    target = postgres_env(tmp_path, "_transfer_rollback")
    ok(target, "import-all", str(source.archive))
    ok(target, "imports", "rollback", str(source.change_import_id))
    after = json.loads(ok(target, "kpis", "--json"))
    for key, value in school.EXPECTED_SCHOOL.items():  # the hand-computed school again
        assert after[key] == value, key
    rows = {row["student_id"]: row for row in json.loads(ok(target, "students", "--json"))}
    assert rows["007"]["truancy_occasions"] == school.EXPECTED_STUDENTS["007"]["truancy_occasions"]
    # Sequences continue past the moved ids: new users, tokens and imports get fresh ids.
    ok(
        target,
        "create-user",
        "newbie",
        "--role",
        "counselor",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    ok(target, "tokens", "create", "newbie", "--name", "second")
    again = json.loads(
        ok(target, "import", "roster", str(source.archive.parent / "roster.csv"), "--json")
    )
    assert again["import_id"] == source.change_import_id + 1
    assert "ok" in ok(target, "verify")


def test_postgresql_to_sqlite(
    source: BuiltSchool, source_views: dict[tuple[str, ...], object], tmp_path: Path
) -> None:
    middle = postgres_env(tmp_path, "_transfer_back")
    ok(middle, "import-all", str(source.archive))
    ok(middle, "export-all", str(tmp_path / "from_pg.zip"))
    target = environment(tmp_path / "sqlite")
    ok(target, "import-all", str(tmp_path / "from_pg.zip"))
    assert views(target) == source_views
    assert "ok" in ok(target, "verify")
    ok(target, "export-all", str(tmp_path / "back.zip"))
    assert_same_dataset(source.archive, tmp_path / "back.zip", moves=2)
    assert sign_in(target, "mrs.k", source.token)["login"] == 302


# --- Damaged and foreign archives ----------------------------------------------------------------


def rewrite(archive: Path, target: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    with zipfile.ZipFile(archive) as opened:
        files = {name: opened.read(name) for name in opened.namelist()}
    change(files)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
    return target


def edit_manifest(files: dict[str, bytes], edit: Callable[[dict[str, object]], None]) -> None:
    manifest = json.loads(files["manifest.json"])
    edit(manifest)
    files["manifest.json"] = json.dumps(manifest).encode()


def reseal(files: dict[str, bytes], table: str) -> None:
    """Make the manifest agree with a changed table file (count and checksum)."""
    data = files[f"tables/{table}.jsonl"]

    def edit(manifest: dict[str, object]) -> None:
        for entry in manifest["tables"]:  # type: ignore[attr-defined]
            if entry["name"] == table:
                entry.update(rows=data.count(b"\n"), sha256=hashlib.sha256(data).hexdigest())

    edit_manifest(files, edit)


def replace_in(files: dict[str, bytes], table: str, old: bytes, new: bytes, *, seal: bool) -> None:
    name = f"tables/{table}.jsonl"
    assert old in files[name]
    files[name] = files[name].replace(old, new, 1)
    if seal:
        reseal(files, table)


def set_in_first_row(files: dict[str, bytes], table: str, column: int, value: object) -> None:
    name = f"tables/{table}.jsonl"
    first, rest = files[name].split(b"\n", 1)
    row = json.loads(first)
    row[column] = value
    files[name] = json.dumps(row).encode() + b"\n" + rest
    reseal(files, table)


def duplicate_first_row(files: dict[str, bytes], table: str) -> None:
    name = f"tables/{table}.jsonl"
    files[name] += files[name].split(b"\n")[0] + b"\n"
    reseal(files, table)


def set_rows(files: dict[str, bytes], table: str, rows: int) -> None:
    def edit(manifest: dict[str, object]) -> None:
        for entry in manifest["tables"]:  # type: ignore[attr-defined]
            if entry["name"] == table:
                entry["rows"] = rows

    edit_manifest(files, edit)


DAMAGE: dict[str, tuple[Callable[[dict[str, bytes]], None], str]] = {
    "bad checksum": (
        lambda f: replace_in(f, "students", b"Nguyen", b"Nguyem", seal=False),
        "table students: tables/students.jsonl does not match its checksum",
    ),
    "missing table file": (
        lambda f: f.pop("tables/letters.jsonl"),
        "table letters: file tables/letters.jsonl is missing from the archive",
    ),
    "other revision": (
        lambda f: edit_manifest(f, lambda m: m.update(revisions=["0001"])),
        "the archive is of schema revision 0001",
    ),
    "wrong count": (
        lambda f: set_rows(f, "attendance_records", 38),
        "table attendance_records: 39 rows in tables/attendance_records.jsonl, "
        "the manifest says 38",
    ),
    "bad value": (
        lambda f: replace_in(f, "attendance_records", b'"2025-09-03"', b'"2025-02-30"', seal=True),
        "table attendance_records, line 2, column date: '2025-02-30' is not a date",
    ),
    "unknown student": (  # PostgreSQL holds no foreign key here (migration 0810)
        lambda f: set_in_first_row(f, "attendance_records", 1, "NO-SUCH-STUDENT"),
        "table attendance_records: 1 rows name a student_id that table students does not hold "
        "(the first: 'NO-SUCH-STUDENT')",
    ),
    "refused by the database": (
        lambda f: duplicate_first_row(f, "users"),
        "table users, lines 1-3: the database refused the rows",
    ),
}


def contents(url: str) -> dict[str, list[str]]:
    """Every row of every table (as text, sorted): equal contents mean an untouched database."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in dataset_tables()
        }
    engine.dispose()
    return rows


def database_url(env: dict[str, str]) -> str:
    return env.get("DATABASE_URL") or f"sqlite:///{env['ATTENDLY_INSTANCE']}/attendly.db"


@pytest.mark.parametrize(
    ("damage", "backend"),
    [(name, "sqlite") for name in DAMAGE]
    + [
        ("bad checksum", "postgresql"),
        ("refused by the database", "postgresql"),
        ("unknown student", "postgresql"),
    ],
)
def test_damaged_archive_is_rejected_and_the_target_untouched(
    source: BuiltSchool, tmp_path: Path, damage: str, backend: str
) -> None:
    change, message = DAMAGE[damage]
    bad = rewrite(source.archive, tmp_path / "bad.zip", change)
    target = (
        postgres_env(tmp_path, "_transfer_bad")
        if backend == "postgresql"
        else environment(tmp_path / "t")
    )
    ok(target, "import-all", str(source.archive))
    before = contents(database_url(target))
    assert before["students"] and before["attendance_records"]
    done = attendly(target, "import-all", "--replace", str(bad))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert contents(database_url(target)) == before


def test_truncated_or_missing_archive_is_rejected(source: BuiltSchool, tmp_path: Path) -> None:
    cut = tmp_path / "cut.zip"
    cut.write_bytes(source.archive.read_bytes()[: source.archive.stat().st_size // 2])
    target = environment(tmp_path / "t")
    done = attendly(target, "import-all", str(cut))
    assert done.returncode == 2 and "is not a readable zip archive" in done.stderr
    done = attendly(target, "import-all", str(tmp_path / "nowhere.zip"))
    assert done.returncode == 2 and "no such file" in done.stderr
    assert not (tmp_path / "t" / "attendly.db").exists()  # checked before touching a database


def test_non_empty_target_needs_replace(
    source: BuiltSchool, source_views: dict[tuple[str, ...], object], tmp_path: Path
) -> None:
    target = environment(tmp_path / "t")
    ok(
        target,
        "create-user",
        "other",
        "--role",
        "admin",
        "--password-stdin",
        stdin="another-password\n",
    )
    ok(target, "import", "roster", str(source.archive.parent / "roster.csv"))
    before = contents(database_url(target))
    done = attendly(target, "import-all", str(source.archive))
    assert done.returncode == 2 and "the target database is not empty" in done.stderr
    assert "--replace" in done.stderr and "users" in done.stderr
    assert contents(database_url(target)) == before
    ok(target, "import-all", "--replace", str(source.archive))
    assert views(target) == source_views
    engine = create_engine(database_url(target))
    with engine.connect() as connection:
        users = set(connection.scalars(text("SELECT username FROM users")))
    engine.dispose()
    assert users == {"boss", "mrs.k"}  # the target's own user went with --replace


def test_export_refuses_to_overwrite(source: BuiltSchool, tmp_path: Path) -> None:
    existing = tmp_path / "existing.zip"
    existing.write_bytes(b"keep me")
    done = attendly(source.env, "export-all", str(existing))
    assert done.returncode != 0 and "exists" in done.stderr
    assert existing.read_bytes() == b"keep me"
    ok(source.env, "export-all", "--force", str(existing))
    assert zipfile.is_zipfile(existing)


# --- PostgreSQL backup and restore as the README documents it ------------------------------------


def test_pg_dump_and_pg_restore_into_a_fresh_database(
    source: BuiltSchool, source_views: dict[tuple[str, ...], object], tmp_path: Path
) -> None:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        unavailable("pg_dump / pg_restore not installed")
    original = postgres_env(tmp_path / "a", "_transfer_dump")
    ok(original, "import-all", str(source.archive))
    dump = tmp_path / "attendly.dump"
    subprocess.run(["pg_dump", "-Fc", *libpq(original), "-f", str(dump)], check=True, timeout=120)
    restored = postgres_env(tmp_path / "b", "_transfer_restored")
    subprocess.run(
        ["pg_restore", "--no-owner", *libpq(restored, "-d"), str(dump)], check=True, timeout=120
    )
    ok(restored, "init-db")
    assert "ok" in ok(restored, "verify")
    assert views(restored) == source_views
    assert sign_in(restored, "boss", source.token)["login"] == 302


def libpq(env: dict[str, str], database_flag: str = "") -> list[str]:
    """pg_dump/pg_restore connection arguments for the environment's database."""
    url = make_url(env["DATABASE_URL"])
    args = ["-h", str(url.host), "-p", str(url.port or 5432), "-U", str(url.username)]
    return [*args, *([database_flag] if database_flag else []), str(url.database)]


def test_every_table_is_in_the_archive(source: BuiltSchool) -> None:
    """Every table but the dashboards' cache counter (the target's own, bumped by a load)."""
    names = {
        name.removeprefix("tables/").removesuffix(".jsonl") for name in table_files(source.archive)
    }
    assert names == set(sqla.metadata.tables) - {"data_versions"}


def test_sqlite_backup_command_as_documented(
    source: BuiltSchool, source_views: dict[tuple[str, ...], object], tmp_path: Path
) -> None:
    if not shutil.which("sqlite3"):
        unavailable("the sqlite3 command is not installed")
    database = Path(source.env["ATTENDLY_INSTANCE"]) / "attendly.db"
    copy = tmp_path / "restored" / "attendly.db"
    copy.parent.mkdir()
    subprocess.run(["sqlite3", str(database), f".backup {copy}"], check=True, timeout=60)
    restored = environment(copy.parent)
    assert views(restored) == source_views
    assert "ok" in ok(restored, "verify")


def test_unreachable_database_is_a_system_failure(source: BuiltSchool, tmp_path: Path) -> None:
    missing = make_url(POSTGRES_URL).set(database="attendly_transfer_no_such_database")
    target = environment(tmp_path / "t", missing.render_as_string(hide_password=False))
    done = attendly(target, "import-all", str(source.archive))
    assert done.returncode == 1 and "import-all failed" in done.stderr
    done = attendly(target, "export-all", str(tmp_path / "x.zip"))
    assert done.returncode == 1 and "export-all failed" in done.stderr
    assert not (tmp_path / "x.zip").exists()
