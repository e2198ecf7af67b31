"""Live dashboards in headless Chromium: a change published in this process redraws the
Overview KPIs of other signed-in windows without a reload, only where it concerns them: over
the websocket, after a reconnect (catching up on what was missed), over the fallback poll
when the socket is refused, and over Redis, with pages still working once Redis stops.

Run with `-s` to see the event -> re-render times (p50/p95 over repeated changes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.services import unavailable
from tests.web.conftest import PASSWORDS as SHARED_PASSWORDS
from tests.web.dash_browser import WAIT, severe_console_entries, start_driver, text_of, wait_for

pytestmark = pytest.mark.browser

TEACHER7 = ("live-teacher7", "teacher-password-7")
PASSWORDS = {**SHARED_PASSWORDS, TEACHER7[0]: TEACHER7[1]}
KPI = "kpi-attendance_rate"
# Student 601 (grade 6, 15 days enrolled, none absent) made absent on 3 days:
#   school  (100 - 3) present of 108 enrolled = 89.8148 % -> 89.81 % (was 92.59 %)
#   grade 6 (33 - 3) present of 38 enrolled  = 78.9474 % -> 78.95 % (was 86.84 %)
#   grade 7 unchanged: 97.50 %
BEFORE = {None: "92.59 %", 6: "86.84 %", 7: "97.50 %"}
AFTER = {None: "89.81 %", 6: "78.95 %", 7: "97.50 %"}
ABSENT_601 = {
    "days_absent": 3,
    "days_present": 12,
    "absence_rate": 20,
    "attendance_rate": 80,
    "chronically_absent": True,
    "tier": "severe_chronic",
}
# As a proxy refusing websockets would: every attempt fails.
REFUSED_SOCKET = "window.WebSocket = function () { throw new Error('refused'); };"
ROUNDS = 10  # changes timed for the p50/p95 figures
RENDER_BOUND_MS = 3000  # generous: 2 shared cores under load; the target (300 ms) is for bench


# --- data changes and events ------------------------------------------------------------------


class Change:
    """Student 601's summary switched between its real figures and three absences."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            row = self._row()
            self.original = {key: getattr(row, key) for key in (*ABSENT_601, "refreshed_at")}

    def _row(self) -> Any:
        from attendly.extensions import db
        from db.models import StudentYearSummary

        return db.session.query(StudentYearSummary).filter_by(student_id="601").one()

    def apply(self, absent: bool, publish: bool = True) -> float:
        """Write the figures (a new refresh time: cached pages go stale) and publish the
        event; returns the epoch milliseconds just before the publish."""
        from attendly.extensions import db
        from db.versions import SUMMARIES, bump

        with self.app.app_context():
            row = self._row()
            values = ABSENT_601 if absent else self.original
            for key in ABSENT_601:
                setattr(row, key, values[key])
            row.refreshed_at = dt.datetime.now(dt.UTC)
            bump(db.session)  # what a summary refresh does: cached pages go stale
            bump(db.session, SUMMARIES)  # and the Overview's pre-added sums with them
            db.session.commit()
            started = time.time() * 1000
            if publish:
                self.publish()
            return started

    def publish(self) -> None:
        from attendly.events import data_changed
        from attendly.services import publish

        with self.app.app_context():
            publish(data_changed("attendance", "001", [6], ["601"]))

    def restore(self) -> None:
        from attendly.extensions import db
        from db.versions import SUMMARIES, bump

        with self.app.app_context():
            row = self._row()
            for key, value in self.original.items():
                setattr(row, key, value)
            bump(db.session)  # a new data version: nothing cached with the change survives
            bump(db.session, SUMMARIES)  # the pre-added sums give way to the summaries
            db.session.commit()


@pytest.fixture
def change(web_app: Flask) -> Iterator[Change]:
    """The change, undone after the test (other tests share this app's school)."""
    made = Change(web_app)
    try:
        yield made
    finally:
        made.restore()


@pytest.fixture(scope="module")
def teacher7(web_app: Flask) -> str:
    from attendly.users import save_user

    with web_app.app_context():
        save_user(TEACHER7[0], "teacher", "7", TEACHER7[1])
    return TEACHER7[0]


# --- browsers ---------------------------------------------------------------------------------


@pytest.fixture
def browsers(downloads: Path) -> Iterator[Callable[..., Any]]:
    """Start signed-in Chromium windows (own profiles); all quit after the test."""
    started: list[Any] = []

    def open_window(live_url: str, username: str, script: str = "") -> Any:
        driver = start_driver(downloads)
        started.append(driver)
        if script:  # runs before the page's own scripts, on every page load
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
        sign_in(driver, live_url, username)
        driver.execute_script("window.notReloaded = true;")
        return driver

    yield open_window
    for driver in started:
        driver.quit()


def sign_in(driver: Any, base_url: str, username: str) -> None:
    driver.get(f"{base_url}/")
    wait_for(driver, lambda d: d.find_element("id", "username"))
    driver.find_element("id", "username").send_keys(username)
    driver.find_element("id", "password").send_keys(PASSWORDS[username])
    driver.find_element("id", "login-submit").click()
    wait_for(driver, lambda d: (text_of(d, KPI) or "").endswith("%"))


def shows(driver: Any, text: str, timeout: float = WAIT) -> None:
    try:
        wait_for(driver, lambda d: text_of(d, KPI) == text, timeout)
    except Exception as exc:  # a timeout: say what the page showed instead
        raise AssertionError(f"{KPI} shows {text_of(driver, KPI)!r}, not {text!r}") from exc


def live_state(driver: Any) -> dict[str, Any]:
    state: dict[str, Any] = driver.execute_script("return window.attendlyLive;")
    return state


def render_ms(driver: Any, version_count: int, started: float) -> float:
    """Milliseconds from the publish to the first changed widget of the newest event."""
    wait_for(driver, lambda d: len(live_state(d)["renders"]) >= version_count)
    return float(live_state(driver)["renders"][-1]["at"]) - started


def record_overview_calls(driver: Any) -> None:
    """Count this window's requests for the Overview's figures from now on."""
    driver.execute_script(
        """
        window.overviewCalls = 0;
        const original = window.fetch;
        window.fetch = function (url, options) {
          if (String(url).includes('_dash-update-component') && options && options.body
              && String(options.body).includes('overview-kpis.children')) {
            window.overviewCalls += 1;
          }
          return original.apply(this, arguments);
        };
        """
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- tests ------------------------------------------------------------------------------------


def test_a_change_redraws_other_windows_kpis_without_reload(
    live_url: str, browsers: Callable[..., Any], change: Change, teacher7: str
) -> None:
    admin, teacher6, other = (browsers(live_url, name) for name in ("admin", "teacher6", teacher7))
    for driver, grade in ((admin, None), (teacher6, 6), (other, 7)):
        shows(driver, BEFORE[grade])
        wait_for(driver, lambda d: text_of(d, "shell-live-status") == "Live")
    record_overview_calls(other)

    started = change.apply(absent=True)
    shows(admin, AFTER[None])
    shows(teacher6, AFTER[6])
    assert wait_for(admin, lambda d: d.find_elements("css selector", f"#{KPI}.live-updated"))
    first = [render_ms(admin, 1, started), render_ms(teacher6, 1, started)]
    heard = live_state(admin)["events"][0]  # as the tab merged it: its school kept
    assert (heard["school"], heard["schools"], heard["grades"]) == ("001", ["001"], [6])

    time.sleep(1.0)  # the grade-7 window hears nothing of a grade-6 change, and asks nothing
    assert live_state(other)["events"] == []
    assert other.execute_script("return window.overviewCalls;") == 0
    assert text_of(other, KPI) == BEFORE[7]

    times = first + [
        render_ms(admin, round_ + 2, change.apply(absent=round_ % 2 == 1))
        for round_ in range(ROUNDS - 1)
    ]
    shows(admin, AFTER[None] if ROUNDS % 2 == 1 else BEFORE[None])
    for driver in (admin, teacher6, other):
        assert driver.execute_script("return window.notReloaded;") is True
        assert severe_console_entries(driver) == []
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"\nlive event -> KPI re-render over the websocket: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    redraw = [float(r["ms"]) for r in live_state(admin)["renders"]]
    print(f"  of which receipt -> re-render in the browser: p50 {statistics.median(redraw):.0f} ms")
    assert p95 < RENDER_BOUND_MS, times


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A redis-server of this test alone, on a free port; the test may kill it."""
    import redis

    binary = Path("/usr/bin/redis-server")
    if not binary.exists():
        unavailable(f"the fallback test starts its own {binary}")
    port = free_port()
    server = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    server.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    client = redis.Redis.from_url(server.url)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.ping()
            break
        except redis.RedisError:
            time.sleep(0.05)
    try:
        yield server
    finally:
        server.kill()
        server.wait(timeout=10)


def test_with_the_socket_refused_the_poll_brings_the_change_and_redis_can_stop(
    live_url: str,
    web_app: Flask,
    browsers: Callable[..., Any],
    change: Change,
    private_redis: subprocess.Popen[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import redis

    from attendly.events import RedisEventBus
    from attendly.fanout import Hub

    bus = RedisEventBus(private_redis.url, prefix=f"live-test-{uuid.uuid4().hex}")  # type: ignore[attr-defined]
    monkeypatch.setitem(web_app.extensions, "attendly.events", bus)
    monkeypatch.setitem(web_app.extensions, "attendly.realtime", Hub(bus))
    monkeypatch.setattr(web_app.config["ATTENDLY_SETTINGS"], "live_poll_seconds", 0.5)

    admin = browsers(live_url, "admin", script=REFUSED_SOCKET)
    shows(admin, BEFORE[None])
    assert text_of(admin, "shell-live-status") in ("Connecting…", "Reconnecting…")

    started = change.apply(absent=True)
    shows(admin, AFTER[None], timeout=10)
    took = time.time() * 1000 - started
    print(f"\nlive event -> KPI re-render over the 0.5 s poll: {took:.0f} ms")
    assert admin.execute_script("return window.notReloaded;") is True

    private_redis.kill()
    private_redis.wait(timeout=10)
    change.apply(absent=False, publish=False)
    with contextlib.suppress(redis.RedisError):
        change.publish()  # cannot reach Redis (logged or raised): the data is written anyway
    time.sleep(2.0)  # several polls while Redis is down
    assert text_of(admin, KPI) == AFTER[None]  # nothing was announced: the page stays
    admin.refresh()  # and a page opened while Redis is down still works
    shows(admin, BEFORE[None])
    time.sleep(1.5)
    assert text_of(admin, "shell-live-status") in ("Connecting…", "Reconnecting…")
    assert severe_console_entries(admin) == []


SWITCHABLE_SOCKET = """
window.sockets = [];
window.refuseSockets = false;
const RealWebSocket = window.WebSocket;
window.WebSocket = function (url) {
  if (window.refuseSockets) { throw new Error('refused'); }
  const socket = new RealWebSocket(url);
  window.sockets.push(socket);
  return socket;
};
"""


def test_after_a_reconnect_the_socket_catches_up_on_what_was_missed(
    live_url: str,
    web_app: Flask,
    browsers: Callable[..., Any],
    change: Change,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(web_app.config["ATTENDLY_SETTINGS"], "live_poll_seconds", 600)
    admin = browsers(live_url, "admin", script=SWITCHABLE_SOCKET)
    shows(admin, BEFORE[None])
    wait_for(admin, lambda d: text_of(d, "shell-live-status") == "Live")

    admin.execute_script("window.refuseSockets = true; window.sockets.forEach(s => s.close());")
    wait_for(admin, lambda d: text_of(d, "shell-live-status") == "Reconnecting…")
    change.apply(absent=True)  # published while this tab hears nothing (and polls rarely)
    time.sleep(1.0)
    assert text_of(admin, KPI) == BEFORE[None]

    admin.execute_script("window.refuseSockets = false;")
    wait_for(admin, lambda d: text_of(d, "shell-live-status") == "Live", timeout=30)
    shows(admin, AFTER[None])  # the missed change, replayed after {"since": last version}
    assert admin.execute_script("return window.notReloaded;") is True
    # Chromium reports the socket the test closed (werkzeug's server ends it untidily); any
    # other error, a failed callback above all, fails the test.
    closed = "WebSocket connection to"
    assert [entry for entry in severe_console_entries(admin) if closed not in entry] == []


def test_a_tab_whose_session_ended_stops_reconnecting_and_says_signed_out(
    live_url: str, browsers: Callable[..., Any]
) -> None:
    """Signed out elsewhere (here: the cookies dropped) and the socket gone: the tab asks the
    events API once, gets 401, stops its reconnects and polls and says so."""
    admin = browsers(live_url, "admin", script=SWITCHABLE_SOCKET)
    wait_for(admin, lambda d: text_of(d, "shell-live-status") == "Live")
    admin.delete_all_cookies()
    admin.execute_script("window.sockets.forEach(s => s.close());")
    wait_for(admin, lambda d: (text_of(d, "shell-live-status") or "").startswith("Signed out"))
    assert live_state(admin)["signedOut"] is True
    opened = admin.execute_script("return window.sockets.length;")
    time.sleep(2.5)  # the first reconnect would come after 0.4-0.6 s, the next after 0.8-1.2 s
    assert admin.execute_script("return window.sockets.length;") == opened
    assert text_of(admin, KPI) == BEFORE[None]  # the figures stay on screen


def test_a_closed_socket_with_the_session_intact_reconnects(
    live_url: str, browsers: Callable[..., Any]
) -> None:
    admin = browsers(live_url, "admin", script=SWITCHABLE_SOCKET)
    wait_for(admin, lambda d: text_of(d, "shell-live-status") == "Live")
    admin.execute_script("window.sockets.forEach(s => s.close());")
    wait_for(admin, lambda d: d.execute_script("return window.sockets.length;") >= 2, timeout=30)
    wait_for(admin, lambda d: text_of(d, "shell-live-status") == "Live", timeout=30)
    assert live_state(admin)["signedOut"] is False


def test_over_redis_the_socket_brings_the_change_and_survives_redis_stopping(
    live_url: str,
    web_app: Flask,
    browsers: Callable[..., Any],
    change: Change,
    private_redis: subprocess.Popen[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import redis

    from attendly.events import RedisEventBus
    from attendly.fanout import Hub

    bus = RedisEventBus(private_redis.url, prefix=f"live-test-{uuid.uuid4().hex}")  # type: ignore[attr-defined]
    hub = Hub(bus)
    monkeypatch.setitem(web_app.extensions, "attendly.events", bus)
    monkeypatch.setitem(web_app.extensions, "attendly.realtime", hub)
    try:
        admin = browsers(live_url, "admin")
        shows(admin, BEFORE[None])
        wait_for(admin, lambda d: text_of(d, "shell-live-status") == "Live")
        wait_for(admin, lambda d: hub.listening)  # the process's Redis listener is subscribed

        started = change.apply(absent=True)
        shows(admin, AFTER[None])
        print(f"\nlive event -> KPI re-render over Redis: {render_ms(admin, 1, started):.0f} ms")

        private_redis.kill()
        private_redis.wait(timeout=10)
        with contextlib.suppress(redis.RedisError):
            change.apply(absent=False)  # written; the event cannot go out
        time.sleep(1.5)
        admin.refresh()  # the page still opens, with the data as it is now
        shows(admin, BEFORE[None])
        assert [
            e for e in severe_console_entries(admin) if "WebSocket connection to" not in e
        ] == []
    finally:
        hub.stop()
