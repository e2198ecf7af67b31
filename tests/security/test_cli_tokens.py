"""`attendly create-user` and `attendly tokens create|list|revoke`, through the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ATTENDLY = str(Path(sys.executable).parent / "attendly")


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [ATTENDLY, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_token_lifecycle_on_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(ATTENDLY_INSTANCE=str(tmp_path), ATTENDLY_ENV="test")
    run(
        env,
        "create-user",
        "sync",
        "--role",
        "principal",
        "--password-stdin",
        stdin="long-enough-password\n",
    )
    created = run(env, "tokens", "create", "sync", "--name", "nightly")
    token = created.strip().splitlines()[-1]
    assert token.startswith("att_") and len(token) > 40
    listing = run(env, "tokens", "list")
    assert "sync" in listing and "nightly" in listing and "active" in listing
    assert token not in listing and token[:12] in listing
    run(env, "tokens", "revoke", "1")
    assert "revoked" in run(env, "tokens", "list", "--user", "sync")
    assert token not in (tmp_path / "attendly.db").read_bytes().decode("latin-1")
