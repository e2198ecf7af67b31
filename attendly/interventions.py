"""Intervention rules: types, tiers, statuses, who may do what, and input validation.

Pure (no database, no Flask): the API, the pages and db/interventions.py share these rules.

Roles: admins, principals and counselors manage every intervention of the students they may
see. Teachers see the interventions of their grade levels' students and may log a phone
call or a parent letter for them; they may change only the interventions they logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from attendly.errors import AttendlyError


class InterventionType(StrEnum):
    PHONE_CALL = "phone_call"
    PARENT_LETTER = "parent_letter"
    PARENT_CONFERENCE = "parent_conference"
    HOME_VISIT = "home_visit"
    ATTENDANCE_CONTRACT = "attendance_contract"
    COUNSELING = "counseling"
    MENTORING = "mentoring"
    SARB_REFERRAL = "sarb_referral"
    OTHER = "other"


class Status(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


TYPE_LABELS = {
    InterventionType.PHONE_CALL: "Phone call",
    InterventionType.PARENT_LETTER: "Parent letter",
    InterventionType.PARENT_CONFERENCE: "Parent conference / SART",
    InterventionType.HOME_VISIT: "Home visit",
    InterventionType.ATTENDANCE_CONTRACT: "Attendance contract",
    InterventionType.COUNSELING: "Counseling",
    InterventionType.MENTORING: "Mentoring / incentive",
    InterventionType.SARB_REFERRAL: "SARB referral",
    InterventionType.OTHER: "Other",
}
STATUS_LABELS = {
    Status.PLANNED: "Planned",
    Status.IN_PROGRESS: "In progress",
    Status.COMPLETED: "Completed",
    Status.CANCELLED: "Cancelled",
}
OPEN_STATUSES = frozenset({Status.PLANNED, Status.IN_PROGRESS})
CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED})
TIERS = (1, 2, 3)
MANAGER_ROLES = frozenset({"admin", "principal", "counselor"})
TEACHER_TYPES = frozenset({InterventionType.PHONE_CALL, InterventionType.PARENT_LETTER})
FIELDS = (
    "student_id",
    "type",
    "tier",
    "status",
    "owner",
    "start_date",
    "due_date",
    "end_date",
    "notes",
    "outcome",
)
TEXT_LIMITS = {"owner": 80, "notes": 5000, "outcome": 5000}


class InvalidIntervention(AttendlyError):
    """Input that breaks the rules; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Actor:
    """Who is acting: their name, role and data scope (None = every grade, every school)."""

    username: str
    role: str
    allowed_grades: tuple[int, ...] | None = None
    allowed_schools: tuple[str, ...] | None = None  # school codes

    @property
    def manages(self) -> bool:
        return self.role in MANAGER_ROLES


def may_write(actor: Actor, kind: str, created_by: str | None = None) -> str | None:
    """None when `actor` may create/change an intervention of `kind`, else the reason why not.

    `created_by` is the existing intervention's author (None when creating one).
    """
    if actor.manages:
        return None
    if actor.role != "teacher":
        return "your role may not record interventions"
    if kind not in TEACHER_TYPES:
        return "teachers may log phone calls and parent letters only"
    if created_by is not None and created_by != actor.username:
        return "teachers may change only the interventions they logged"
    return None


def parse_date(value: Any) -> dt.date | None:
    """A date from a date or ISO text; None for blank. Raises ValueError otherwise."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    return dt.date.fromisoformat(text[:10]) if text else None


def clean(payload: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Validated, typed values of an intervention (`current` = stored values for an update).

    Only FIELDS are read; closing (completed or cancelled) without an end date stamps today.
    Raises InvalidIntervention with a message for every bad field.
    """
    merged = {**(current or {}), **{k: payload[k] for k in FIELDS if k in payload}}
    errors: dict[str, str] = {}
    values = {name: _field(name, merged.get(name), errors) for name in FIELDS}
    _check_consistency(values, errors)
    if errors:
        raise InvalidIntervention(errors)
    return values


def _field(name: str, value: Any, errors: dict[str, str]) -> Any:
    try:
        return _PARSERS[name](value)
    except (ValueError, TypeError) as exc:
        errors[name] = str(exc) if str(exc) else f"invalid {name}"
        return None


def _student_id(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValueError("enter the student's id")
    return text


def _choice(enum: type[StrEnum], what: str) -> Any:
    def parse(value: Any) -> str:
        if value is None or str(value).strip() == "":
            raise ValueError(f"choose a {what}")
        try:
            return enum(str(value).strip()).value
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise ValueError(f"unknown {what} {value!r}; choose one of {allowed}") from None

    return parse


def _tier(value: Any) -> int:
    try:
        tier = int(value)
    except (TypeError, ValueError):
        raise ValueError("choose tier 1, 2 or 3") from None
    if tier not in TIERS:
        raise ValueError("choose tier 1, 2 or 3")
    return tier


def _date(value: Any) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError:
        raise ValueError("enter a date as YYYY-MM-DD") from None


def _text(name: str) -> Any:
    def parse(value: Any) -> str:
        text = "" if value is None else str(value).strip()
        if len(text) > TEXT_LIMITS[name]:
            raise ValueError(f"at most {TEXT_LIMITS[name]} characters")
        return text

    return parse


_PARSERS = {
    "student_id": _student_id,
    "type": _choice(InterventionType, "type"),
    "tier": _tier,
    "status": _choice(Status, "status"),
    "owner": _text("owner"),
    "start_date": _date,
    "due_date": _date,
    "end_date": _date,
    "notes": _text("notes"),
    "outcome": _text("outcome"),
}


def _check_consistency(values: dict[str, Any], errors: dict[str, str]) -> None:
    """Rules across fields: dates in order, what starting and closing need."""
    start, due, end = values["start_date"], values["due_date"], values["end_date"]
    status = values["status"]
    if start and due and due < start and "due_date" not in errors:
        errors["due_date"] = "the due date is before the start date"
    if start and end and end < start and "end_date" not in errors:
        errors["end_date"] = "the end date is before the start date"
    started = status in (Status.IN_PROGRESS, Status.COMPLETED)
    if started and not start and "start_date" not in errors:
        errors["start_date"] = "an intervention in progress or completed needs a start date"
    if status == Status.COMPLETED and not values["outcome"] and "outcome" not in errors:
        errors["outcome"] = "describe the outcome to complete the intervention"
    if status in CLOSED_STATUSES and not end and "end_date" not in errors:
        values["end_date"] = dt.date.today()
