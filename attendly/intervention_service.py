"""What the interventions API and pages share at the request edge: who is acting, and
committing a change before announcing it on the event bus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from flask_login import current_user

from attendly.extensions import db
from attendly.interventions import Actor
from attendly.services import publish


def current_actor() -> Actor:
    """The signed-in user as an Actor (scope from the server-side user, never the browser)."""
    return Actor(
        username=str(current_user.username),
        role=str(current_user.role),
        allowed_grades=current_user.grade_scope,
        allowed_schools=current_user.school_scope,
    )


def commit_and_publish(events: Iterable[Mapping[str, Any]]) -> None:
    """Commit the request's changes, then send one realtime event per distinct change."""
    db.session.commit()
    seen: set[str] = set()
    for event in events:
        key = repr(sorted(event.items()))
        if key not in seen:
            seen.add(key)
            publish(dict(event))


def json_value(value: Any) -> Any:
    """Dates, timestamps, numpy scalars and NaN/NaT/NA as JSON-ready values."""
    if value is None or isinstance(value, list | dict | str | bool):
        return value
    if pd.isna(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def json_rows(records: Iterable[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """Rows (dicts) with every value JSON-ready."""
    return [{str(key): json_value(value) for key, value in row.items()} for row in records]


def text_or_none(value: Any, limit: int = 80) -> str | None:
    """A browser-sent filter value as text, or None for blank and anything that is not text
    (callback payloads can be crafted: lists and objects never reach a query)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()[:limit]
    return text or None


def int_or_none(value: Any) -> int | None:
    """A browser-sent id or counter as an int, or None when it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() and len(text) < 10 else None
