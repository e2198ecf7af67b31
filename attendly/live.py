"""Live dashboards: which change events concern what a page shows, and the polling fallback.

A browser tab learns of changes over the `/ws` websocket (assets/live.js) or, while the socket
is down, by polling `visible_events_since` through a Dash callback. Either way the page's
refresh callbacks receive one event `{kind, school, schools, grades, student_ids, version}`
(several missed events merged into one; `schools` names the schools of them all, empty when one
of them concerns every school), or `{"resync": True, ...}` when the server could not list what
was missed: then everything refreshes. An event only *triggers* a refresh; what is shown is
re-read on the server within the user's scope, so an event a browser makes up reveals nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)

MAX_IDS = 10_000  # more student ids than this in one browser-held event: treat as "everyone"
# Kinds that change attendance and i-Ready figures (an intervention changes none of them).
FIGURE_KINDS = ("attendance", "iready", "import")


def merge(events: Sequence[Mapping[str, Any]], version: int, resync: bool) -> dict[str, Any]:
    """One event standing for `events`: kinds, schools, grades and student ids united, at
    `version`.

    An event naming no school concerns every school, one naming no grades every grade (and
    one naming no students, every student of its grades): the merge then names none either.
    `school` is kept for readers of single events: the one school named, else None.
    """
    grades: set[int] = set()
    students: set[str] = set()
    for event in events:
        grades.update(int(g) for g in event.get("grades") or () if _is_int(g))
        students.update(str(s) for s in event.get("student_ids") or ())
    schools = [] if resync else _merged_schools(events)
    any_grade = resync or not events or any(not e.get("grades") for e in events)
    any_student = any_grade or any(not e.get("student_ids") for e in events)
    return {
        "kind": ",".join(sorted({str(e.get("kind")) for e in events})) or "resync",
        "school": schools[0] if len(schools) == 1 else None,
        "schools": schools,
        "grades": [] if any_grade else sorted(grades),
        "student_ids": [] if any_student or len(students) > MAX_IDS else sorted(students),
        "version": version,
        "resync": resync,
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _schools_of(event: Mapping[str, Any]) -> list[str] | None:
    """The school codes one event names (its `schools`, else its `school`); None when it
    concerns every school (names none, or names them in a shape that is not understood)."""
    named = event.get("schools")
    if isinstance(named, list) and named:
        codes = [code for code in named if isinstance(code, str) and code]
        return codes if len(codes) == len(named) else None
    school = event.get("school")
    return [school] if isinstance(school, str) and school else None


def _merged_schools(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The union of the events' schools; empty (every school) when any names none."""
    codes: set[str] = set()
    for event in events:
        named = _schools_of(event)
        if named is None:
            return []
        codes.update(named)
    return sorted(codes)


def _everyone(event: Mapping[str, Any]) -> bool:
    """True for an event that names no grades (a code table change, a resync)."""
    return bool(event.get("resync")) or not event.get("grades")


def touches_grades(event: Any, grades: Iterable[int] | None) -> bool:
    """True when `event` may change figures of `grades` (None: every grade the page shows)."""
    if not isinstance(event, Mapping):
        return False
    if _everyone(event) or grades is None:
        return True
    named = event.get("grades")
    if not isinstance(named, list):
        return False
    return bool({g for g in named if _is_int(g)} & set(grades))


def touches_schools(event: Any, schools: Iterable[str] | None) -> bool:
    """True when `event` may change figures of `schools` (None: every school the page shows).

    An event naming no school (a change spanning schools, a code table, a resync) concerns
    every school; a malformed one, like a malformed grade list, concerns none.
    """
    if not isinstance(event, Mapping):
        return False
    if event.get("resync") or schools is None:
        return True
    named, school = event.get("schools"), event.get("school")
    if not isinstance(named, list | None) or not isinstance(school, str | None):
        return False
    codes = named or ([school] if school else [])
    if not codes:
        return True
    return bool({code for code in codes if isinstance(code, str)} & set(schools))


def touches_kinds(event: Any, kinds: Iterable[str] | None) -> bool:
    """True when `event` (or any event merged into it) is of one of `kinds` (None: any)."""
    if not isinstance(event, Mapping):
        return False
    named = event.get("kind")
    if kinds is None or event.get("resync") or not isinstance(named, str):
        return True
    return bool(set(named.split(",")) & set(kinds))


def touches_student(event: Any, student_id: Any, school: str | None = None) -> bool:
    """True when `event` may change the figures of the one student `student_id`, whose school
    is `school` (None: not known). An event naming no students (a large or merged change)
    still leaves the student alone when it names schools and not the student's."""
    if not isinstance(event, Mapping):
        return False
    if school is not None and not touches_schools(event, [school]):
        return False
    named = event.get("student_ids")
    if _everyone(event) or not named:
        return True
    return isinstance(named, list) and str(student_id) in named


def current_version() -> int | None:
    """The event bus's version now (a fresh page has seen everything up to it); None when the
    bus cannot be reached (Redis down): the tab then starts from the first version it hears."""
    from redis.exceptions import RedisError

    from attendly.services import event_bus

    try:
        return int(event_bus().version())
    except (RedisError, OSError) as exc:
        logger.warning("live updates: event version unavailable (%s)", exc)
        return None


def catch_up(user: Any, since: Any) -> tuple[int, dict[str, Any] | None]:
    """The current version and what `user` missed after version `since`, merged into one
    event (None when nothing the user may see changed).

    A tab that knows no version (it started while the bus was down) asks from 0: it gets
    everything still logged, or a resync. While the bus is down the answer is "nothing new".
    """
    from attendly.realtime import visible_events_since

    known = since if _is_int(since) and since >= 0 else 0
    version, events, resync = visible_events_since(user, known)
    if not events and not resync:
        return int(version), None
    return int(version), merge(events, int(version), bool(resync))
