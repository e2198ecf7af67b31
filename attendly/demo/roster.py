"""Synthetic student body for the demo school: identities, enrollment and attendance habits."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from attendly.demo.calendar import academic_year_start

# fmt: off
_LAST_NAMES = (
    "García", "Hernández", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez",
    "Ramírez", "Flores", "Nguyen", "Tran", "Le", "Pham", "Kim", "Park", "Lee", "Chen", "Wang",
    "Liu", "Wong", "Patel", "Singh", "Shah", "Santos", "Reyes", "Cruz", "Bautista", "Villanueva",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "White", "Harris", "Washington", "Robinson",
    "Okafor", "Mensah", "Haddad", "Nasser", "Petrosyan", "Sarkisian", "Yamamoto", "Tanaka",
    "O'Brien", "O'Connor", "D'Angelo", "García-López", "Núñez-Peña", "Smith-Jones",
    "De La Cruz", "Del Rosario", "Van Der Berg", "St. John", "Muñoz", "Peña", "Ortiz", "Ruiz",
)
_FEMALE_FIRST = (
    "Sofia", "Isabella", "Camila", "Valentina", "Ximena", "Mia", "Emma", "Olivia", "Ava",
    "Emily", "Chloe", "Hannah", "Grace", "Aaliyah", "Imani", "Jasmine", "Priya", "Ananya",
    "Mei", "Linh", "Thuy", "Ji-woo", "Seo-yeon", "Yuna", "Fatima", "Layla", "Zoë", "Renée",
    "Mary-Kate", "Ana Sofía", "María José", "Nayeli", "Guadalupe", "Abigail", "Leilani",
)
_MALE_FIRST = (
    "Santiago", "Mateo", "Diego", "José", "Luis", "Ángel", "Adrián", "Jesús", "Liam", "Noah",
    "Ethan", "Daniel", "Michael", "James", "Jayden", "Malik", "DeShawn", "Jamal", "Arjun",
    "Rohan", "Minh", "Bao", "Duc", "Min-jun", "Hiroshi", "Kenji", "Omar", "Yusuf", "Ali",
    "Jean-Luc", "Juan Carlos", "Kobe", "Isaiah", "Elijah", "Marco", "Tavita",
)
_NEUTRAL_FIRST = ("Alex", "Jordan", "Taylor", "River", "Rowan", "Sky", "Quinn", "Jamie", "Ari")
# fmt: on

# Profile tiers: (share of students, daily full-day absence range, unexcused share, tardy rate,
# single-period cut rate, suspension chance).  Shares follow typical middle-school data where a
# fifth to a third of students are at risk or chronically absent.
_TIERS = (
    (0.70, (0.01, 0.03), 0.15, 0.03, 0.004, 0.01),
    (0.15, (0.05, 0.09), 0.30, 0.06, 0.010, 0.05),
    (0.10, (0.10, 0.20), 0.40, 0.09, 0.020, 0.10),
    (0.05, (0.20, 0.40), 0.50, 0.12, 0.030, 0.15),
)
_SKIPPER_SHARE, _SHORT_SCHEDULE_SHARE = 0.04, 0.03
_LATE_SHARE, _LEAVER_SHARE, _LEADING_ZERO_SHARE = 0.05, 0.03, 0.10


@dataclass(frozen=True)
class Habits:
    """Per-student behaviour driving the attendance simulation."""

    absence_rate: float
    unexcused_share: float
    tardy_rate: float
    cut_rate: float
    suspension_chance: float
    scheduled: int  # number of scheduled periods, counted from period 1
    skip_period: int  # 1-based period the student regularly skips; 0 for none
    skip_rate: float
    seed: int


@dataclass(frozen=True)
class Student:
    """One roster row plus the habits its attendance is simulated from."""

    perm_id: str
    number: int
    last_name: str
    first_name: str
    grade: int
    gender: str
    birth: date
    enter: date
    leave: date | None
    state_id: str
    habits: Habits


def _permanent_ids(rng: random.Random, count: int) -> list[str]:
    """Unique 6-digit ids; some start with one or two zeros, which importers must keep."""
    zeros = round(count * _LEADING_ZERO_SHARE)
    ids = rng.sample(range(1_000, 100_000), zeros) + rng.sample(
        range(100_000, 1_000_000), count - zeros
    )
    rng.shuffle(ids)
    return [f"{value:06d}" for value in ids]


def _habits(rng: random.Random, tier: int, skipper: bool, short: bool, periods: int) -> Habits:
    _, (low, high), unexcused, tardy, cut, suspension = _TIERS[tier]
    scheduled = periods - 1 if short and periods > 1 else periods
    skip_period = (1 if rng.random() < 0.5 else scheduled) if skipper else 0
    return Habits(
        absence_rate=rng.uniform(low, high),
        unexcused_share=unexcused,
        tardy_rate=tardy * rng.uniform(0.5, 1.5),
        cut_rate=cut,
        suspension_chance=suspension,
        scheduled=scheduled,
        skip_period=skip_period,
        skip_rate=rng.uniform(0.25, 0.45) if skipper else 0.0,
        seed=rng.getrandbits(64),
    )


def _tiers(rng: random.Random, count: int) -> tuple[list[int], set[int]]:
    """Tier per student in exact proportions, plus class skippers from the best tier."""
    order = list(range(count))
    rng.shuffle(order)
    tiers = [0] * count
    bound = 0.0
    for tier, (share, *_) in enumerate(_TIERS):
        lower, bound = round(bound * count), bound + share
        for index in order[lower : round(bound * count)]:
            tiers[index] = tier
    # Skippers have good daily attendance, so only their period-level rates give them away.
    return tiers, set(order[: round(count * _SKIPPER_SHARE)])


def _enrollment(rng: random.Random, count: int, days: list[date]) -> dict[int, tuple[str, date]]:
    """Late enrollees ("enter" on a later school day) and leavers ("leave" on their last day)."""
    if len(days) < 10:
        return {}
    late = round(count * _LATE_SHARE)
    chosen = rng.sample(range(count), late + round(count * _LEAVER_SHARE))
    changes: dict[int, tuple[str, date]] = {}
    for position, index in enumerate(chosen):
        if position < late:
            changes[index] = ("enter", days[rng.randint(len(days) // 20 + 1, len(days) * 7 // 10)])
        else:
            changes[index] = ("leave", days[rng.randint(len(days) // 5, len(days) - 5)])
    return changes


def _birth_date(rng: random.Random, year: int, grade: int) -> date:
    """Birthdate making the student the usual age for the grade on 1 September; a few are older."""
    born_from = date(year - grade - 6 - (rng.random() < 0.03), 9, 2)
    return born_from + timedelta(days=rng.randrange(365))


def _name(rng: random.Random, gender: str) -> tuple[str, str]:
    firsts = {"F": _FEMALE_FIRST, "M": _MALE_FIRST}.get(gender, _NEUTRAL_FIRST)
    return rng.choice(_LAST_NAMES), rng.choice(firsts)


def build_students(rng: random.Random, count: int, days: list[date], periods: int) -> list[Student]:
    year = days[0].year if days[0].month >= 7 else days[0].year - 1
    ids = _permanent_ids(rng, count)
    state_ids = [str(value) for value in rng.sample(range(10**9, 10**10), count)]
    grades = [6 + index % 3 for index in range(count)]
    rng.shuffle(grades)
    tiers, skippers = _tiers(rng, count)
    short = set(rng.sample(range(count), round(count * _SHORT_SCHEDULE_SHARE)))
    changes = _enrollment(rng, count, days)
    students = []
    for index in range(count):
        grade = grades[index]
        gender = rng.choices("MFX", weights=(49, 49, 2))[0]
        last_name, first_name = _name(rng, gender)
        # Continuing students entered the school when they started grade 6.
        enter = min(academic_year_start(year - (grade - 6)), days[0])
        kind, changed = changes.get(index, ("", days[0]))
        students.append(
            Student(
                perm_id=ids[index],
                number=index + 1,
                last_name=last_name,
                first_name=first_name,
                grade=grade,
                gender=gender,
                birth=_birth_date(rng, year, grade),
                enter=changed if kind == "enter" else enter,
                leave=changed if kind == "leave" else None,
                state_id=state_ids[index],
                habits=_habits(rng, tiers[index], index in skippers, index in short, periods),
            )
        )
    return students
