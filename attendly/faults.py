"""Fault injection for the job tests, honoured only when ATTENDLY_ENV=test.

`ATTENDLY_FAULT_CHUNK_SLEEP=<seconds>` pauses after each committed chunk (time to kill a
worker mid-import); `ATTENDLY_FAULT_DISCONNECTS=<n>` makes the first `n` attempts of each
import lose their database connection after the first chunk (attempts are counted in a
file, so the count survives the worker's forks).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import OperationalError

from attendly.settings import Settings


def checkpoint_hook(settings: Settings, import_id: int) -> Callable[[dict[str, Any]], None] | None:
    """The on_checkpoint callback that injects the configured faults, or None."""
    if settings.env != "test":
        return None
    pause = float(os.environ.get("ATTENDLY_FAULT_CHUNK_SLEEP") or 0)
    disconnects = int(os.environ.get("ATTENDLY_FAULT_DISCONNECTS") or 0)
    if not pause and not disconnects:
        return None
    counter = settings.instance_path / "faults" / f"import-{import_id}"
    attempt = _next_attempt(counter) if disconnects else 0

    def hook(progress: dict[str, Any]) -> None:
        if 0 < attempt <= disconnects:
            raise OperationalError(
                "COMMIT", {}, ConnectionError("server closed the connection unexpectedly")
            )
        time.sleep(pause)

    return hook


def _next_attempt(counter: Any) -> int:
    counter.parent.mkdir(parents=True, exist_ok=True)
    attempt = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempt))
    return attempt
