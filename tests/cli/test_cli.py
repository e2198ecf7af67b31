"""The command line end to end: import files, then `kpis --json` and `students --json`.

Runs the real `attendly` console script in a subprocess against SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import school
from tests.services import POSTGRES_URL, fresh_postgres_database

ATTENDLY = str(Path(sys.executable).parent / "attendly")


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for one CLI run on a fresh database of each backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.update(ATTENDLY_INSTANCE=str(tmp_path / "instance"), ATTENDLY_ENV="test")
    env.pop("REDIS_URL", None)
    if request.param == "postgresql":
        env["DATABASE_URL"] = fresh_postgres_database(POSTGRES_URL + "_cli")
    yield env


def run(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ATTENDLY, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def import_school(env: dict[str, str], tmp_path: Path) -> None:
    roster, attendance = tmp_path / "roster.csv", tmp_path / "attendance.csv"
    roster.write_text(school.roster_csv(), encoding="utf-8")
    attendance.write_text(school.attendance_csv(), encoding="utf-8")
    for kind, path in (("roster", roster), ("attendance", attendance)):
        done = run(env, "import", kind, str(path), "--json")
        assert done.returncode == 0, done.stderr + done.stdout
        assert json.loads(done.stdout)["status"] == "completed"


def test_kpis_json_matches_hand_computation(cli_env: dict[str, str], tmp_path: Path) -> None:
    import_school(cli_env, tmp_path)
    done = run(cli_env, "kpis", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key, value in school.EXPECTED_SCHOOL.items():
        assert result[key] == value, key
    assert set(result) >= {"scope", "iready", "correlation"}
    grade6 = json.loads(run(cli_env, "kpis", "--grade", "6", "--json").stdout)
    for key, value in school.EXPECTED_GRADE_6.items():
        assert grade6[key] == value, key
    early = json.loads(run(cli_env, "kpis", "--as-of", "2025-09-04", "--json").stdout)
    for key, value in school.EXPECTED_AS_OF_0904.items():
        assert early[key] == value, key


def test_students_json_matches_hand_computation(cli_env: dict[str, str], tmp_path: Path) -> None:
    import_school(cli_env, tmp_path)
    done = run(cli_env, "students", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["student_id"]: row for row in json.loads(done.stdout)}
    assert set(rows) == set(school.EXPECTED_STUDENTS)
    for student_id, expected in school.EXPECTED_STUDENTS.items():
        for key, value in expected.items():
            assert rows[student_id][key] == value, (student_id, key)
    csv_out = run(cli_env, "students", "--grade", "7", "--csv").stdout.splitlines()
    assert csv_out[0].startswith("student_id,") and len(csv_out) == 2
    assert csv_out[1].startswith("0100,")


def test_reimport_reports_everything_skipped(cli_env: dict[str, str], tmp_path: Path) -> None:
    import_school(cli_env, tmp_path)
    again = run(cli_env, "import", "attendance", str(tmp_path / "attendance.csv"), "--json")
    result = json.loads(again.stdout)
    assert result["records_skipped"] == result["records_processed"] == 39
    assert result["records_inserted"] == result["records_updated"] == 0


def test_rejected_file_exits_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,first_name\n1,A\n")
    done = run(cli_env, "import", "roster", str(bad), "--json")
    assert done.returncode == 2
    result = json.loads(done.stdout)
    assert result["status"] == "rejected"
    assert any("last_name" in error["message"] for error in result["errors"])


def test_create_user_and_bad_settings(cli_env: dict[str, str]) -> None:
    done = run(
        cli_env,
        "create-user",
        "mrs.k",
        "--role",
        "teacher",
        "--grades",
        "7",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert done.returncode == 0, done.stderr
    short = run(cli_env, "create-user", "x", "--role", "admin", "--password-stdin", stdin="short\n")
    assert short.returncode != 0 and "8 characters" in short.stderr
    broken = run({**cli_env, "ATTENDLY_MIN_DAYS_ENROLLED": "many"}, "kpis", "--json")
    assert broken.returncode != 0 and "ATTENDLY_MIN_DAYS_ENROLLED" in broken.stderr
