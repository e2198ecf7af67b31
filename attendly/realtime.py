"""Live updates for open dashboards: the `/ws` websocket and its polling twin `/api/v1/events`.

Both need a signed-in user (the request gate answers 401 before any upgrade) and send only
what that user may see (attendly.event_scope), trimmed on the server. The websocket sends
one JSON message per change `{kind, school, grades, student_ids, version}`; a client may send
`{"since": V}` at any time and gets the visible events after V in order, or
`{"kind": "resync", "version": current}` when the log no longer reaches back to V (refresh
everything). Live messages and catch-up can overlap: a client ignores versions it has seen.
The server pings every `ATTENDLY_WS_PING_SECONDS` and drops a client that does not answer.
A socket is closed (code 4000) after `ATTENDLY_IDLE_MINUTES`: the client reconnects through
the request gate again, so an idle session, a disabled account or changed grades take effect.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, has_app_context, jsonify, request
from flask_login import current_user
from flask_sock import Sock
from simple_websocket import ConnectionClosed, Server

from attendly.errors import AttendlyError
from attendly.event_scope import Viewer, viewer_of, visible
from attendly.events import EventBus
from attendly.extensions import db
from attendly.fanout import Connection, Hub, resync_message

logger = logging.getLogger(__name__)

blueprint = Blueprint("realtime", __name__)
sock = Sock()
MAX_CLIENT_MESSAGE = 1024  # bytes; a client only ever sends {"since": V}
MAX_VERSION = 2**53  # larger "since" values are refused (beyond any real counter)
RECHECK_CODE = 4000  # close code asking the client to reconnect (and pass the gate again)
UNAVAILABLE = "live updates are unavailable: the event service (Redis) is unreachable"


class EventsUnavailable(AttendlyError):
    """The event log cannot be read (Redis is down); the data itself is unaffected."""


def init_app(server: Flask) -> None:
    """Mount `/ws` and `/api/v1/events` and give the process its fan-out hub."""
    settings = server.config["ATTENDLY_SETTINGS"]
    server.config.setdefault(
        "SOCK_SERVER_OPTIONS",
        {"ping_interval": settings.ws_ping_seconds, "max_message_size": MAX_CLIENT_MESSAGE},
    )
    server.config.setdefault("ATTENDLY_WS_LIFETIME", settings.idle_minutes * 60)
    server.extensions["attendly.realtime"] = Hub(server.extensions["attendly.events"])
    server.register_blueprint(blueprint)


def current_hub() -> Hub:
    hub: Hub = current_app.extensions["attendly.realtime"]
    return hub


def connection_count() -> int:
    """Open websockets in this process (0 outside an app or before any connected)."""
    if not has_app_context():
        return 0
    hub: Hub | None = current_app.extensions.get("attendly.realtime")
    return hub.count() if hub is not None else 0


def catch_up(viewer: Viewer, bus: EventBus, since: int) -> tuple[int, list[dict[str, Any]], bool]:
    """(current version, the events after `since` the viewer may see, resync needed).
    Raises EventsUnavailable when the event log cannot be read."""
    import redis

    try:
        found = bus.events_since(since)
    except redis.RedisError as exc:
        logger.info("event log unreachable: %s", exc)  # the listener logs the outage once
        raise EventsUnavailable(UNAVAILABLE) from exc
    if not found.complete:
        return found.version, [], True
    events = [shown for event in found.events if (shown := visible(viewer, event)) is not None]
    return found.version, events, False


def visible_events_since(user: Any, since: int) -> tuple[int, list[dict[str, Any]], bool]:
    """For the signed-in `user`: (current version, the changes after `since` they may see,
    oldest first, and True when `since` is older than the log: refresh everything).

    Never raises for an outage: while the event log is unreachable it answers
    `(since, [], False)` ("nothing new known"), so a polling dashboard keeps working.
    """
    if not getattr(user, "is_authenticated", False):
        return since, [], False  # deny by default: nobody signed in sees nothing
    try:
        return catch_up(viewer_of(user), current_hub().bus, since)
    except EventsUnavailable as exc:
        logger.debug("%s", exc)
        return since, [], False


@blueprint.get("/api/v1/events")
def events_api() -> Response | tuple[Response, int]:
    """`?since=V` -> {version, events, resync}; 503 with the same keys while Redis is down.
    Without `since` only the current version (a fresh page has seen everything up to it)."""
    raw = request.args.get("since")
    if raw is None:
        return _current_version()
    since = parse_since(raw)
    if since is None:
        return jsonify({"error": f"since must be a whole number >= 0, got {raw[:40]!r}"}), 400
    try:
        version, events, resync = catch_up(viewer_of(current_user), current_hub().bus, since)
    except EventsUnavailable as exc:
        body = {"error": str(exc), "version": since, "events": [], "resync": False}
        return jsonify(body), 503
    return jsonify({"version": version, "events": events, "resync": resync})


def _current_version() -> Response | tuple[Response, int]:
    import redis

    try:
        version = current_hub().bus.version()
    except redis.RedisError:
        return jsonify({"error": UNAVAILABLE, "version": None, "events": [], "resync": False}), 503
    return jsonify({"version": version, "events": [], "resync": False})


def parse_since(value: Any) -> int | None:
    """A catch-up version from a query string or a client message; None when not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit() and len(value) <= 16:
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_VERSION:
        return value
    return None


@sock.route("/ws", bp=blueprint)
def live(ws: Server) -> None:
    """One dashboard's live connection: this thread writes, a small reader thread listens."""
    viewer = viewer_of(current_user)
    # The socket stays open for hours: give the user lookup's database connection back now,
    # or every open dashboard would hold one and exhaust the pool.
    db.session.remove()
    hub = current_hub()
    connection = hub.connect(viewer)
    reader = threading.Thread(
        target=read_requests, args=(ws, connection), name="attendly-ws-reader", daemon=True
    )
    reader.start()
    try:
        write_messages(ws, connection, hub, float(current_app.config["ATTENDLY_WS_LIFETIME"]))
    finally:
        hub.disconnect(connection)


def write_messages(ws: Server, connection: Connection, hub: Hub, lifetime: float) -> None:
    """Send queued messages and answer catch-up requests until the connection closes or has
    been open `lifetime` seconds (then close it: the client comes back through the gate)."""
    deadline = time.monotonic() + lifetime
    while (batch := connection.take(max(deadline - time.monotonic(), 0))) is not None:
        if time.monotonic() >= deadline:
            ws.close(reason=RECHECK_CODE, message="reconnect to continue (session re-check)")
            return
        items, overflowed = batch
        if overflowed:  # the newest version this process has seen: no round trip to Redis
            ws.send(resync_message(hub.last_version or 0))
        for item in items:
            if isinstance(item, str):
                ws.send(item)
            else:
                for message in catch_up_messages(connection.viewer, hub.bus, item):
                    ws.send(message)


def catch_up_messages(viewer: Viewer, bus: EventBus, since: int) -> list[str]:
    """The messages answering `{"since": V}`: missed events in order, a resync, or an error."""
    try:
        version, events, resync = catch_up(viewer, bus, since)
    except EventsUnavailable as exc:
        return [json.dumps({"kind": "error", "error": str(exc)})]
    if resync:
        return [resync_message(version)]
    return [json.dumps(event) for event in events]


def read_requests(ws: Server, connection: Connection) -> None:
    """Queue each `{"since": V}` the client sends (an error message for anything else)."""
    try:
        while True:
            text = ws.receive()
            since = parse_since(_since_field(text))
            if since is None:
                error = 'expected {"since": <version>} with a whole number >= 0'
                connection.offer(json.dumps({"kind": "error", "error": error}))
            else:
                connection.offer(since)
    except ConnectionClosed:
        pass
    finally:
        connection.close()


def _since_field(text: Any) -> Any:
    try:
        message = json.loads(text)
    except (TypeError, ValueError):
        return None
    return message.get("since") if isinstance(message, dict) else None
