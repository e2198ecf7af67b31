"""Component ids shared by pages/ and callbacks/ (they never import each other)."""

from __future__ import annotations


class Shell:
    URL = "shell-url"
    NAVBAR = "shell-navbar"
    GRADE = "shell-grade"  # the grade filter, remembered per user in local storage
    GRADE_STORE = "shell-grade-store"


class Overview:
    KPI_ROW = "overview-kpis"
    TIER_ROW = "overview-tiers"
    TREND = "overview-trend"
    AS_OF = "overview-as-of"
    ALERT = "overview-alert"
    GRADE = "overview-grade"
