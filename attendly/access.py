"""Page access by role, from page metadata, for page rendering and Dash callbacks alike.

Each page declares `dash.register_page(..., roles=(...))`. A page that declares no roles is
open to admins only (deny by default). A callback belongs to the page whose module name
prefixes its output ids (`users-…` -> pages/users.py), so declaring `roles` on a page protects
its callbacks too. Outputs of the app shell (`shell-…`) and of Dash's page router are open to
every signed-in user; outputs that belong to no page are admin-only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import dash
from dash import html

logger = logging.getLogger(__name__)

DEFAULT_ROLES = ("admin",)
SHELL_PREFIXES = ("shell-", "_pages_")
EVERYONE = ("admin", "principal", "counselor", "teacher")


def page_roles(page: Mapping[str, Any]) -> tuple[str, ...]:
    """The roles a registered page admits (admins only when it declares none)."""
    return tuple(page.get("roles") or DEFAULT_ROLES)


def page_allows(page: Mapping[str, Any], role: str | None) -> bool:
    return role is not None and role in page_roles(page)


def not_allowed() -> html.Div:
    """What a page shows to a role it does not admit (no data, no hint of the data)."""
    return html.Div(
        [
            html.H1("Not allowed", className="h4"),
            html.P("Your account may not open this page.", className="text-muted"),
        ],
        id="page-not-allowed",
    )


def guard_page(layout: Any, roles: tuple[str, ...]) -> Callable[..., Any]:
    """Wrap a page layout so it renders only for `roles` (evaluated per request)."""
    from flask_login import current_user

    def guarded(**kwargs: Any) -> Any:
        if getattr(current_user, "role", None) not in roles:
            return not_allowed()
        return layout(**kwargs) if callable(layout) else layout

    guarded.__wrapped__ = layout  # type: ignore[attr-defined]
    return guarded


def guard_pages(registry: Mapping[str, dict[str, Any]]) -> None:
    """Put every registered page's layout behind its roles (idempotent)."""
    for page in registry.values():
        if not hasattr(page["layout"], "__wrapped__"):
            page["layout"] = guard_page(page["layout"], page_roles(page))


def prefix_roles(registry: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """{"<page module name>-": roles} for every registered page."""
    return {f"{module.rsplit('.', 1)[-1]}-": page_roles(page) for module, page in registry.items()}


def _output_ids(output: str) -> list[str]:
    """Component ids (as text; a pattern-matching id by its `type`) of a callback's outputs."""
    from dash._utils import split_callback_id

    parts = split_callback_id(output)
    found = []
    for part in parts if isinstance(parts, list) else [parts]:
        component = part["id"]
        if component.startswith("{"):
            component = str(json.loads(component).get("type", ""))
        found.append(component)
    return found


def roles_for_id(component: str, prefixes: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The roles that may update `component`: its page's, the shell's, or admins only."""
    if component.startswith(SHELL_PREFIXES):
        return EVERYONE
    for prefix, roles in prefixes.items():
        if component.startswith(prefix):
            return roles
    logger.warning("component id %r belongs to no page: admins only", component)
    return DEFAULT_ROLES


def callback_roles(output: str, registry: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """Roles allowed to run the callback registered under `output` (every output must admit)."""
    prefixes = prefix_roles(registry)
    allowed = set(EVERYONE)
    for component in _output_ids(output):
        allowed &= set(roles_for_id(component, prefixes))
    return tuple(role for role in EVERYONE if role in allowed)


def may_run_callback(app: dash.Dash, output: object, role: str | None) -> bool | None:
    """True/False for a registered callback key; None when no such callback exists."""
    if not isinstance(output, str) or output not in app.callback_map:
        return None
    return role in callback_roles(output, dash.page_registry)
