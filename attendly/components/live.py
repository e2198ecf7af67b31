"""The shell's live-update pieces: the event and version stores, the fallback poll and the
"Live" / "Reconnecting…" indicator. assets/live.js opens the websocket and feeds the stores."""

from __future__ import annotations

from dash import dcc, html

from attendly import ids

CONNECTING = "Connecting…"


def live_updates(version: int | None, poll_seconds: float) -> html.Div:
    """The live-update pieces for one tab, which has seen every event up to `version`.

    The poll starts enabled, so a tab whose socket never opens (or whose script never ran)
    still catches up; the script disables it while the socket is open. The version is text
    in the page: the script sends it as `since` when the socket reconnects.
    """
    return html.Div(
        [
            dcc.Store(id=ids.Live.EVENT),
            # Text in the page rather than a store, so the script can read it back.
            html.Span(version, id=ids.Live.VERSION, hidden=True),
            dcc.Interval(id=ids.Live.POLL, interval=int(poll_seconds * 1000)),
            html.Span(
                CONNECTING,
                id=ids.Live.STATUS,
                className="live-status live-down",
                role="status",
                title="Whether this page updates by itself when data changes",
            ),
        ],
        className="live-bar container-fluid no-print",
    )
