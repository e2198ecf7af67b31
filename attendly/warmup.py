"""Warm each web process's page cache when data changes, so the first dashboard is fast.

The dashboards' page data is cached per process and keyed by the data version (attendly.cache),
so after an import or a correction the first request in every process used to recompute it.
Each web process already hears every change event (attendly.fanout); with
`ATTENDLY_WARM_CACHE` on, one daemon thread per process then recomputes, in its own app
context and database session, what the common views read for the latest academic year,
through the same cached functions the callbacks call: the Overview and the Students page for
the whole school, each grade and each teachers' grade set, then the Attendance vs i-Ready data
per subject. Each event first makes the entries it concerns stale (attendly.cache.invalidate:
in every process when the cache is shared in Redis). Requests coalesce: an event arriving
while a warm-up runs cuts it short (what it would still compute is stale) and causes one more
run, never a queue of them. A warm-up that fails is logged and dropped; requests then
compute as before.

Fanning an event out to open dashboards waits (at most `ATTENDLY_WARM_HOLD_SECONDS`) until
the whole school's Overview is warm, so the most common refresh reads the cache instead of
racing the warm-up for the same computation (measured: bench/README.md). Events leave in
the order they came; `ATTENDLY_WARM_HOLD_SECONDS=0` fans out at once and warms alongside.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Flask

from attendly.live import FIGURE_KINDS
from attendly.settings import Settings

logger = logging.getLogger(__name__)
SCHEMA_CURRENT = "attendly.warmup.schema_current"

EXTENSION = "attendly.warmup"
SUBJECTS = ("ELA", "MATH")  # the Attendance vs i-Ready page's subjects (charts.theme)
TEACHER_SCOPES = 3  # teachers' grade sets warmed beyond the school and each grade
SCHOOL_SCOPES = 3  # the school sets users are assigned to, warmed after the whole district
# Each scope leaves 6 cache entries (figures, frames, Overview, the first Students page,
# two subjects): 8 scopes stay within the page cache's 64, so a warm-up never evicts itself.
MAX_SCOPES = 8
Deliver = Callable[[dict[str, Any]], None]
Work = Callable[[Flask, "Run"], int]
RELEASE_PAUSE = 0.25  # seconds the warm-up yields to the refreshes it just released


def init_app(server: Flask) -> Warmer | None:
    """With ATTENDLY_WARM_CACHE on, give the process its warmer, let the fan-out hub feed it
    and start listening and warming now (in the background). Returns the warmer, or None."""
    settings: Settings = server.config["ATTENDLY_SETTINGS"]
    if not settings.warm_cache_enabled:
        return None
    from attendly.fanout import Hub

    hub: Hub = server.extensions["attendly.realtime"]
    warmer = Warmer(server, settings.warm_hold_seconds)
    server.extensions[EXTENSION] = warmer
    hub.warmer = warmer
    warmer.start()
    hub.start()  # hear every event from process start, not only once a dashboard connects
    return warmer


def warm_pages(server: Flask, run: Run) -> int:
    """Compute and cache the page data of the common views; returns the steps done.

    Tells `run` when the whole school's Overview is cached (the most read and costliest
    figures: held events may leave), and stops early once a newer warm-up is asked for
    (the data changed again: what follows would be stale). Gives its session back at the end.
    """
    from attendly.extensions import db
    from db.migrate import is_current
    from db.policy import load_policy

    with server.app_context():
        try:
            from db.reads import read_session

            # A new database (`attendly demo` creates the tables after the app starts); once
            # current, it stays so for this process.
            if not server.extensions.get(SCHEMA_CURRENT):
                if not is_current(db.engine):
                    logger.info("page cache not warmed: the database is not initialised yet")
                    run.ready()
                    return 0
                server.extensions[SCHEMA_CURRENT] = True
            session = read_session()  # what the dashboards read (the replica when current)
            policy = load_policy(session, server.config["ATTENDLY_SETTINGS"])
            steps = page_steps(session, policy, common_scopes(session, policy.grade_levels))
            for index, step in enumerate(steps):
                if index and run.superseded():
                    return index
                step()
                if index == 0 and run.ready():
                    # Let the refreshes just released run before warming on: in one process
                    # they share the interpreter, and a scope they compute is cached for us.
                    time.sleep(RELEASE_PAUSE)
            run.ready()
            return len(steps)
        finally:
            db.session.remove()


def page_steps(session: Any, policy: Any, scopes: list[Any]) -> list[Callable[[], object]]:
    """The cached computations to run, most wanted first: the Overview of each scope, the
    first Students page of each, then Attendance vs i-Ready per subject."""
    from db import dashboard
    from db.correlation import subject_correlation
    from db.student_list_query import CARDS_PER_PAGE, student_page
    from db.students_list import StudentFilter

    steps: list[Callable[[], object]] = [
        partial(dashboard.overview_data, session, policy, scope) for scope in scopes
    ]
    # The Students page as it opens (no filter, its default sort, page 1): each filter is its
    # own SQL query now (db.student_list_query), so only the first view is worth warming.
    first_page = (StudentFilter(), 1, CARDS_PER_PAGE)
    steps += [partial(student_page, session, policy, scope, *first_page) for scope in scopes]
    steps += [
        partial(subject_correlation, session, policy, scope, subject)
        for scope in scopes
        for subject in SUBJECTS
    ]
    return steps


def common_scopes(session: Any, grade_levels: tuple[int, ...]) -> list[Any]:
    """The scopes the dashboards ask for most, as the callbacks resolve them (equal keys):
    the whole school (district), the school sets users are assigned to (as they open a page
    without choosing a school; most common first, at most SCHOOL_SCOPES), each grade chosen
    in the filter, and the grade sets of the teachers (most common first, at most
    TEACHER_SCOPES); at most MAX_SCOPES in all, [] when no attendance is stored."""
    from db import dashboard, queries

    year, as_of = queries.resolve_period(session, None)
    if year is None or as_of is None:
        return []
    scopes = [dashboard.Scope(year, as_of, None, None)]
    scopes += [
        dashboard.Scope(year, as_of, None, None, queries.school_ids(session, codes))
        for codes in assigned_schools(session)
    ]
    scopes += [dashboard.Scope(year, as_of, (grade,), grade) for grade in grade_levels]
    scopes += [dashboard.Scope(year, as_of, grades, None) for grades in teacher_grades(session)]
    return scopes[:MAX_SCOPES]


def assigned_schools(session: Any) -> list[tuple[str, ...]]:
    """The distinct school-code sets of active users with assignments, most common first (at
    most SCHOOL_SCOPES): what db.dashboard.resolve_scope covers when they choose no school."""
    from collections import Counter

    from sqlalchemy import select

    from db.models import User, UserSchool

    rows = session.execute(
        select(UserSchool.user_id, UserSchool.school_code)
        .join(User, User.id == UserSchool.user_id)
        .where(User.active)
    )
    by_user: dict[int, set[str]] = {}
    for user_id, code in rows:
        by_user.setdefault(user_id, set()).add(code)
    found = Counter(tuple(sorted(codes)) for codes in by_user.values())
    return [codes for codes, _ in found.most_common(SCHOOL_SCOPES)]


def teacher_grades(session: Any) -> list[tuple[int, ...]]:
    """The distinct grade sets of active teachers, most common first (at most TEACHER_SCOPES)."""
    from collections import Counter

    from sqlalchemy import select

    from attendly.auth import parse_grades
    from db.models import User

    found: Counter[tuple[int, ...]] = Counter()
    rows = session.scalars(select(User.grades).where(User.role == "teacher", User.active))
    for text in rows:
        try:
            grades = parse_grades(text or "")
        except ValueError:
            continue  # a malformed stored value: that teacher's requests are refused anyway
        if grades:
            found[grades] += 1
    return [grades for grades, _ in found.most_common(TEACHER_SCOPES)]


@dataclass(frozen=True)
class Run:
    """What one warm-up reports to its warmer (see warm_pages)."""

    warmer: Warmer
    target: int

    def ready(self) -> bool:
        """The live figures are warm: release the events held for them (True when any)."""
        return self.warmer.mark_ready(self.target)

    def superseded(self) -> bool:
        """The data changed again since this warm-up began."""
        return self.warmer.superseded(self.target)


@dataclass(frozen=True)
class Held:
    """An event waiting to be fanned out until warm-up `generation` is ready or `deadline`."""

    generation: int
    deadline: float
    event: dict[str, Any]
    deliver: Deliver


class Warmer:
    """One warming thread per process (coalescing requests) and one releasing held events."""

    def __init__(self, server: Flask, hold_seconds: float = 2.0, work: Work = warm_pages) -> None:
        self.server = server
        self.hold_seconds = hold_seconds
        self._work = work
        self._cond = threading.Condition()
        self._requested = 0  # warm-ups asked for (a counter: each event bumps it)
        self._ready = 0  # the request whose live figures are cached (or whose warm-up ended)
        self._finished = 0  # the request whose warm-up ended
        self._held: deque[Held] = deque()
        self._stopped = False
        self._started = False
        self.runs = 0
        self.failures = 0
        self.last_seconds: float | None = None

    def start(self) -> None:
        """Start both daemon threads and ask for a first warm-up (idempotent)."""
        with self._cond:
            if self._started:
                return
            self._started = True
        for target, name in ((self._warm_loop, "warmup"), (self._release_loop, "warmup-release")):
            threading.Thread(target=target, name=f"attendly-{name}", daemon=True).start()
        self.request()

    def stop(self) -> None:
        """End both threads (held events are fanned out first)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def request(self) -> int:
        """Ask for a warm-up; returns its number (requests made during one run share the next)."""
        with self._cond:
            self._requested += 1
            self._cond.notify_all()
            return self._requested

    def submit(self, event: dict[str, Any], deliver: Deliver) -> None:
        """Warm up for `event` when it changes figures, and hand it to `deliver` once the live
        figures are warm or `hold_seconds` passed (in order; at once when the hold is 0)."""
        figures = str(event.get("kind")) in FIGURE_KINDS
        if figures:
            self.invalidate(event)
        generation = self.request() if figures else 0
        if self.hold_seconds <= 0:
            deliver(event)
            return
        with self._cond:
            holding = not self._stopped
            if holding:
                deadline = time.monotonic() + self.hold_seconds
                self._held.append(Held(generation, deadline, event, deliver))
                self._cond.notify_all()
        if not holding:  # stopped: nothing would release it
            deliver(event)

    def invalidate(self, event: dict[str, Any]) -> None:
        """Drop what the event makes stale from the page cache (in Redis too, when shared)
        before warming: the warm-up and the refreshes it releases then compute fresh entries
        for the changed grades only. Never raises (the cache logs Redis failures)."""
        from attendly.cache import invalidate

        invalidate(self.server, event)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every requested warm-up has ended; False when `timeout` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._finished >= self._requested, timeout)

    def _warm_loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopped or self._requested > self._finished)
                if self._stopped:
                    return
                target = self._requested
            self._run(target)

    def _run(self, target: int) -> None:
        """One warm-up covering every request up to `target`; never raises."""
        began = time.perf_counter()
        try:
            steps = self._work(self.server, Run(self, target))
            self.runs += 1
            self.last_seconds = time.perf_counter() - began
            logger.info("page cache warmed: %d steps in %.2f s", steps, self.last_seconds)
        except Exception:  # a process boundary of sorts: requests must never depend on it
            self.failures += 1
            logger.exception("page cache warm-up failed; pages compute on their first request")
        finally:
            with self._cond:
                self._ready = max(self._ready, target)
                self._finished = max(self._finished, target)
                self._cond.notify_all()

    def superseded(self, target: int) -> bool:
        """True once a warm-up newer than `target` is asked for."""
        with self._cond:
            return self._requested > target

    def mark_ready(self, target: int) -> bool:
        """Let the events waiting for warm-up `target` leave; True when any were waiting."""
        with self._cond:
            waiting = any(held.generation <= target for held in self._held)
            self._ready = max(self._ready, target)
            self._cond.notify_all()
            return waiting

    def _release_loop(self) -> None:
        while True:
            with self._cond:
                while not self._releasable():
                    self._cond.wait(self._next_deadline())  # woken by news, or the deadline
                due = self._due()
                if self._stopped and not self._held and not due:
                    return
            for held in due:
                self._deliver(held)

    def _releasable(self) -> bool:
        if not self._held:
            return self._stopped
        first = self._held[0]
        return (
            first.generation <= self._ready or self._stopped or time.monotonic() >= first.deadline
        )

    def _next_deadline(self) -> float | None:
        return max(0.0, self._held[0].deadline - time.monotonic()) if self._held else None

    def _due(self) -> list[Held]:
        """Held events that may leave now, from the front (the order is kept)."""
        due: list[Held] = []
        now = time.monotonic()
        while self._held:
            first = self._held[0]
            if first.generation > self._ready and not self._stopped and now < first.deadline:
                break
            due.append(self._held.popleft())
        return due

    @staticmethod
    def _deliver(held: Held) -> None:
        try:
            held.deliver(held.event)
        except Exception:  # the fan-out catches its own errors; this only guards the thread
            logger.exception("could not fan out change event %r", held.event.get("version"))


def warmer_of(server: Flask) -> Warmer | None:
    """The process's warmer (None when ATTENDLY_WARM_CACHE is off)."""
    warmer: Warmer | None = server.extensions.get(EXTENSION)
    return warmer
