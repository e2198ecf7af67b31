"""`attendly partitions`: list attendance_records' year partitions, create one ahead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.services import POSTGRES_URL, fresh_postgres_database

ATTENDLY = str(Path(sys.executable).parent / "attendly")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ATTENDLY, *args], env=env, capture_output=True, text=True, timeout=120)


def environment(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.update(ATTENDLY_INSTANCE=str(tmp_path / "instance"), ATTENDLY_ENV="test")
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def test_create_a_year_ahead_then_list_it(tmp_path: Path) -> None:
    env = environment(tmp_path, fresh_postgres_database(POSTGRES_URL + "_cli_partitions"))
    assert run(env, "init-db").returncode == 0
    done = run(env, "partitions", "--create", "2026-2027")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "created 2026-2027"
    assert lines[1].split() == [
        "2026-2027",
        "0",
        "rows",
        "attendance_partitions.attendance_records_2026_2027",
    ]
    again = run(env, "partitions", "--create", "2026-2027")
    assert again.stdout.splitlines() == lines[1:]  # nothing created twice


def test_a_bad_year_is_named_and_nothing_changes(tmp_path: Path) -> None:
    env = environment(tmp_path, fresh_postgres_database(POSTGRES_URL + "_cli_partitions"))
    assert run(env, "init-db").returncode == 0
    done = run(env, "partitions", "--create", "2026/27")
    assert done.returncode == 2
    assert "--create" in done.stderr and "'2026/27' is not like 2025-2026" in done.stderr
    listed = run(env, "partitions")
    assert listed.stdout.startswith("no partitions yet")


def test_sqlite_says_it_is_not_partitioned(tmp_path: Path) -> None:
    env = environment(tmp_path, None)
    assert run(env, "init-db").returncode == 0
    done = run(env, "partitions")
    assert done.returncode == 0
    assert "not partitioned" in done.stdout
