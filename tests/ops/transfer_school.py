"""The school of tests/school.py (with its i-Ready results) built through the real console script.

Besides the imports it has users with known passwords, an API token, an intervention with a
parent letter (a PDF: bytes), a notification, and a second attendance import that changed
007's 2025-09-03 from excused to unexcused all day, so that its rollback has history to restore.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests import school
from tests.ingest.iready import school_iready

ATTENDLY = str(Path(sys.executable).parent / "attendly")
ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORDS = {"boss": "principal-secret-1", "mrs.k": "teacher-secret-22"}
# Every byte value, a PDF-looking start: bytes must survive the move exactly.
LETTER_PDF = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF"
# 007's 9/3 was E all day; the second import makes it U all day.
CHANGE_CSV = (
    "student_id,date,grade_level," + ",".join(f"period_{n}_status" for n in range(1, 8)) + "\n"
    "007,2025-09-03,6," + ",".join(["U"] * 7) + "\n"
)
# What the figures read back after the move: the school's views, and one grade's and one day's.
VIEWS = (
    ("kpis", "--json"),
    ("kpis", "--grade", "6", "--json"),
    ("kpis", "--as-of", "2025-09-04", "--json"),
    ("students", "--json"),
    ("students", "--tier", "moderate_chronic", "--json"),
)


@dataclass(frozen=True)
class BuiltSchool:
    """The source database's environment, its archive, and what the tests need to know."""

    env: dict[str, str]
    archive: Path
    token: str
    change_import_id: int


def environment(instance: Path, database_url: str | None = None) -> dict[str, str]:
    """The console script's environment: SQLite in `instance` unless a database url is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(ATTENDLY_INSTANCE=str(instance), ATTENDLY_ENV="test")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def attendly(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ATTENDLY, *args], env=env, input=stdin, capture_output=True, text=True, timeout=180
    )


def ok(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run a command that must succeed; returns its standard output."""
    done = attendly(env, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def views(env: dict[str, str]) -> dict[tuple[str, ...], object]:
    """Each of VIEWS parsed, keyed by its arguments."""
    return {args: json.loads(ok(env, *args)) for args in VIEWS}


def build(folder: Path) -> BuiltSchool:
    """Build the school on SQLite in `folder` and export it to `folder/school.zip`."""
    env = environment(folder / "instance")
    files = {
        "roster.csv": school.roster_csv(),
        "attendance.csv": school.attendance_csv(),
        "diagnostic_results_ela.csv": school_iready.ela_csv(),
        "diagnostic_results_math.csv": school_iready.math_csv(),
        "change.csv": CHANGE_CSV,
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    ok(env, "import", "roster", str(folder / "roster.csv"))
    ok(env, "import", "attendance", str(folder / "attendance.csv"))
    ok(env, "import", "iready", *(str(folder / n) for n in files if n.startswith("diag")))
    for username, role, grades in (("boss", "principal", ""), ("mrs.k", "teacher", "6")):
        user = (username, "--role", role, "--grades", grades, "--password-stdin")
        ok(env, "create-user", *user, stdin=PASSWORDS[username] + "\n")
    token = ok(env, "tokens", "create", "boss", "--name", "nightly").splitlines()[-1].strip()
    change = json.loads(ok(env, "import", "attendance", str(folder / "change.csv"), "--json"))
    assert change["records_updated"] == 1, change
    _add_intervention(folder / "instance" / "attendly.db")
    archive = folder / "school.zip"
    ok(env, "export-all", str(archive))
    return BuiltSchool(env, archive, token, change["import_id"])


def _add_intervention(sqlite_file: Path) -> None:
    from db.intervention_models import Intervention, Letter
    from db.notification_models import Notification

    engine = create_engine(f"sqlite:///{sqlite_file}")
    with Session(engine) as session:
        intervention = Intervention(
            student_id="7",
            type="parent_letter",
            tier=2,
            status="completed",
            owner="boss",
            start_date=dt.date(2025, 9, 10),
            notes="Letter 1 sent — «García» ✓",
            created_by="boss",
        )
        session.add(intervention)
        session.flush()
        session.add(
            Letter(
                intervention_id=intervention.id,
                student_id="7",
                template_key="truancy_1",
                language="es",
                pdf=LETTER_PDF,
                created_by="boss",
            )
        )
        session.add(Notification(title="Import 9 failed", body="retry later"))
        session.commit()
    engine.dispose()


def table_files(archive: Path) -> dict[str, bytes]:
    """Each table file of an archive (name -> bytes)."""
    with zipfile.ZipFile(archive) as opened:
        return {n: opened.read(n) for n in opened.namelist() if n.startswith("tables/")}


# Signs in through the real login form and calls the API with a bearer token, in a process of
# its own (one Dash app per process); prints what happened as JSON.
SIGN_IN = """
import json, re, sys
from attendly import create_app

app = create_app()
client = app.test_client()
username, password, token = sys.argv[1:4]
page = client.get("/login").get_data(as_text=True)
csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
good = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf})
kpis = client.get("/api/v1/kpis")
other = app.test_client()
page = other.get("/login").get_data(as_text=True)
csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
bad = other.post("/login", data={"username": username, "password": "wrong", "csrf_token": csrf})
api = app.test_client().get("/api/v1/kpis", headers={"Authorization": f"Bearer {token}"})
print(json.dumps({"login": good.status_code, "session_kpis": kpis.status_code,
                  "wrong_password": bad.status_code, "api": api.status_code,
                  "api_kpis": api.get_json()}))
"""


def sign_in(env: dict[str, str], username: str, token: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SIGN_IN, username, PASSWORDS[username], token],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])
