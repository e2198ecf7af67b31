"""The import commands end to end through the real `attendly` script (SQLite; the pipeline
itself is covered on both backends in-process): auto, codes, calendar, --from/--to, error
report CSV, rollback, resume, verify, schools, and formula-looking names escaped on export."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ATTENDLY = str(Path(sys.executable).parent / "attendly")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    return {**clean, "ATTENDLY_INSTANCE": str(tmp_path / "instance"), "ATTENDLY_ENV": "test"}


def attendly(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ATTENDLY, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_import_commands(env: dict[str, str], tmp_path: Path) -> None:
    roster = tmp_path / "stu.csv"
    roster.write_text(
        'ID,SN,LN,FN,GR,SC\n1001,11,"=HYPERLINK(""x"")",+Ann,6,001\n1002,12,Bo,Li,7,001\n'
    )
    calendar = tmp_path / "cal.csv"
    calendar.write_text("date\n2025-09-02\n2025-09-03\n")
    codes = tmp_path / "codes.csv"
    codes.write_text("code,category\nA,V\nU,U\n")
    att = tmp_path / "att.csv"
    att.write_text("SC,ID,DT,AL\n001,1001,2025-09-03,A\n001,1002,2025-09-03,Q\n")
    done = attendly(env, "import", "auto", str(roster), str(calendar), str(codes), "--json")
    assert done.returncode == 0, done.stderr
    assert [r["status"] for r in json.loads(done.stdout)] == ["completed"] * 3

    days = attendly(
        env,
        "import",
        "attendance",
        str(att),
        "--from",
        "2025-09-02",
        "--to",
        "2025-09-03",
        "--json",
    )
    result = json.loads(days.stdout)
    assert days.returncode == 0 and result["records_failed"] == 1
    assert result["records_inserted"] == 3  # 1001 absent 9/3, present 9/2; 1002 present 9/2
    report = attendly(env, "imports", "errors", str(result["import_id"]), "--csv")
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert [(r["row"], r["column"], r["value"], r["rule"]) for r in rows] == [
        ("3", "AL", "Q", "unknown_attendance_code")
    ]
    assert set(rows[0]) == {"row", "column", "value", "rule", "message", "severity", "category"}

    exported = attendly(env, "students", "--csv")
    record = next(
        r for r in csv.DictReader(io.StringIO(exported.stdout)) if r["student_id"] == "1001"
    )
    assert record["last_name"] == '\'=HYPERLINK("x")' and record["first_name"] == "'+Ann"

    assert attendly(env, "verify").returncode == 0
    undone = attendly(env, "imports", "rollback", str(result["import_id"]), "--json")
    assert undone.returncode == 0, undone.stderr
    assert json.loads(undone.stdout)["deleted"]["attendance_records"] == 3
    resumed = attendly(env, "imports", "resume", str(result["import_id"]))
    assert resumed.returncode == 1 and "rolled_back: nothing to resume" in resumed.stderr
    changed = attendly(env, "schools", "set", "001", "--periods-per-day", "6")
    assert changed.returncode == 0 and changed.stdout.strip() == "school 001 updated"
