"""The navbar's grouping comes from page metadata: primary pages as links, the rest in menus
named by `nav_group`, a page without one placed by its roles; each role sees only its pages."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from attendly.ids import Shell
from attendly.layout import NAV_GROUPS, PRIMARY, grouped_pages, nav_group
from callbacks.shell_navbar import menu_open
from tests.web.conftest import login


def names(groups: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {group: [str(page["name"]) for page in pages] for group, pages in groups.items()}


def test_a_page_without_nav_group_is_placed_by_its_roles() -> None:
    assert nav_group({"nav_group": "primary", "roles": ("admin",)}) == "primary"
    assert nav_group({"nav_group": "reports"}) == "reports"
    assert nav_group({"roles": ("admin",)}) == "admin"
    assert nav_group({}) == "admin"  # no roles: admins only (deny by default)
    assert nav_group({"roles": ("admin", "teacher")}) == "more"


def test_an_admin_gets_the_primary_links_then_more_then_admin(web_app: Flask) -> None:
    groups = names(grouped_pages("admin"))
    assert list(groups) == [PRIMARY, *NAV_GROUPS]
    assert groups[PRIMARY] == ["Overview", "Students", "Attendance vs i-Ready", "Interventions"]
    assert {"Truancy ladder", "Effectiveness", "Letter templates"} <= set(groups["more"])
    assert {"Imports", "Users", "Audit log"} <= set(groups["admin"])
    assert "Student" not in sum(groups.values(), [])  # nav=False: reached from a card


def test_a_teacher_gets_no_admin_menu(web_app: Flask) -> None:
    groups = names(grouped_pages("teacher"))
    assert "admin" not in groups
    assert groups[PRIMARY] == ["Overview", "Students", "Attendance vs i-Ready", "Interventions"]
    assert not {"Imports", "Users", "Audit log"} & set(sum(groups.values(), []))


def test_no_role_gets_no_pages(web_app: Flask) -> None:
    assert grouped_pages(None) == {}


def test_the_served_layout_carries_the_menus_and_the_skip_link(web_app: Flask) -> None:
    client = web_app.test_client()
    assert login(client, "teacher6").status_code == 302
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert "shell-skip-link" in layout and "shell-nav-toggler" in layout
    assert "shell-nav-menu-more" in layout and "shell-nav-menu-admin" not in layout
    assert '"/imports"' not in layout


def test_the_menu_button_flips_the_menu_and_a_page_change_closes_it() -> None:
    assert menu_open(Shell.NAV_TOGGLER, False) is True
    assert menu_open(Shell.NAV_TOGGLER, True) is False
    assert menu_open(Shell.URL, True) is False
    assert menu_open(Shell.URL, False) is False
    assert menu_open(Shell.NAV_TOGGLER, "<script>") is False  # any truthy junk reads as open
