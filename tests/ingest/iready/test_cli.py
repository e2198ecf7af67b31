"""The command line with i-Ready: multi-file import, KPIs, the unmapped report, re-map, demo.

Runs the real `attendly` console script against SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import school
from tests.ingest.iready import school_iready
from tests.services import POSTGRES_URL, fresh_postgres_database

ATTENDLY = str(Path(sys.executable).parent / "attendly")


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.update(ATTENDLY_INSTANCE=str(tmp_path / "instance"), ATTENDLY_ENV="test")
    env.pop("REDIS_URL", None)
    if request.param == "postgresql":
        env["DATABASE_URL"] = fresh_postgres_database(POSTGRES_URL + "_cli_iready")
    yield env


def attendly(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ATTENDLY, *args], env=env, capture_output=True, text=True, timeout=180)


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_multi_file_import_then_kpis_and_students(cli_env: dict[str, str], tmp_path: Path) -> None:
    for kind, name, text in (
        ("roster", "roster.csv", school.roster_csv()),
        ("attendance", "attendance.csv", school.attendance_csv()),
    ):
        assert attendly(cli_env, "import", kind, write(tmp_path, name, text)).returncode == 0
    ela = write(tmp_path, "diagnostic_results_ela.csv", school_iready.ela_csv())
    math = write(tmp_path, "diagnostic_results_math.csv", school_iready.math_csv())
    done = attendly(cli_env, "import", "iready", ela, math, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    results = json.loads(done.stdout)
    assert [r["records_inserted"] for r in results] == [9, 5]
    assert results[1]["summary"]["growth"]["2025-2026"]["iready"] == school_iready.EXPECTED_IREADY
    kpis = json.loads(attendly(cli_env, "kpis", "--json").stdout)
    assert kpis["iready"] == school_iready.EXPECTED_IREADY
    assert kpis["correlation"] == school_iready.EXPECTED_CORRELATION
    rows = {r["student_id"]: r for r in json.loads(attendly(cli_env, "students", "--json").stdout)}
    assert rows["007"]["iready"]["ELA"]["baseline_score"] == 570
    assert rows["007"]["iready"]["ELA"]["progress_to_stretch"] == 40.0


def test_unmapped_report_and_remap(cli_env: dict[str, str], tmp_path: Path) -> None:
    text = (
        "Student ID,Last Name,First Name,Completion Date,Overall Scale Score\n"
        "0042,Rivera,Ana,2025-09-03,600\n0042,Rivera,Ana,2026-01-20,615\n"
    )
    done = attendly(cli_env, "import", "iready", write(tmp_path, "ela.csv", text), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["records_skipped"] == 2 and result["summary"]["unmapped_rows"] == 2
    report = attendly(cli_env, "imports", "unmapped", str(result["import_id"]), "--csv")
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert [(r["student_id"], r["row"], r["subject"]) for r in rows] == [
        ("0042", "2", "ELA"),
        ("0042", "3", "ELA"),
    ]
    pending = json.loads(attendly(cli_env, "imports", "unmapped").stdout)
    assert len(pending) == 2
    nothing = json.loads(attendly(cli_env, "imports", "remap", "--json").stdout)
    assert nothing["mapped"] == 0 and nothing["still_unmapped"] == 2
    roster = "student_id,last_name,first_name,grade_level\n0042,Rivera,Ana,7\n"
    assert (
        attendly(cli_env, "import", "roster", write(tmp_path, "roster.csv", roster)).returncode == 0
    )
    # The roster import re-mapped the kept rows on its own.
    assert json.loads(attendly(cli_env, "imports", "unmapped").stdout) == []
    after = json.loads(attendly(cli_env, "imports", "remap", "--json").stdout)
    assert after["pending"] == 0


def test_a_file_naming_no_subject_exits_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    text = "Student ID,Completion Date,Overall Scale Score\n1,2025-09-03,600\n"
    done = attendly(cli_env, "import", "iready", write(tmp_path, "export.csv", text))
    assert done.returncode == 2
    assert "subject" in done.stdout


def test_the_demo_school_includes_i_ready_data(cli_env: dict[str, str]) -> None:
    done = attendly(cli_env, "demo", "--no-serve", "--students", "40")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("imported iready") == 4
    kpis = json.loads(attendly(cli_env, "kpis", "--json").stdout)
    assert kpis["iready"]["ELA"]["students"] == 40
    assert kpis["iready"]["MATH"]["students"] == 40
    assert kpis["correlation"]["ELA"]["n"] > 30
    report = json.loads(attendly(cli_env, "imports", "unmapped").stdout)
    assert {r["last_name"] for r in report} == {"Moved"}
