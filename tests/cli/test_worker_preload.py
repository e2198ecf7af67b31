"""`attendly worker` imports what a job needs before it forks: the app a job builds in its work
horse then imports nothing heavy (each import would be paid again by every job)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from attendly.cli.admin import _preload
_preload()
before = set(sys.modules)
from attendly import create_app
create_app(web=False)
print(json.dumps(sorted(set(sys.modules) - before)))
"""
HEAVY = ("dash", "plotly", "pandas", "sqlalchemy", "psycopg", "flask", "numpy")


def test_a_jobs_app_imports_nothing_heavy_after_the_preload(tmp_path: object) -> None:
    env = {"ATTENDLY_ENV": "test", "ATTENDLY_INSTANCE": str(tmp_path), "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    # The engine loads the dialect its URL names (small); anything else heavy is a miss.
    heavy = [
        name
        for name in imported
        if name.split(".")[0] in HEAVY and not name.startswith("sqlalchemy.dialects.")
    ]
    assert heavy == [], heavy
