"""School calendar rules for the demo generator: instructional days and California closures."""

from __future__ import annotations

from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)
# California funds a 180-day instructional year, so the calendar ends on the 180th school day.
_INSTRUCTIONAL_DAYS = 180
# Below this many days the current year is too young for rates and trends to be meaningful,
# so the demo falls back to the previous, complete year.
_MIN_DEMO_DAYS = 40


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday=0) of a month; n=-1 means the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


def _observed(day: date) -> date:
    """Federal observance rule: Saturday holidays move to Friday, Sunday ones to Monday."""
    if day.weekday() == 5:
        return day - _ONE_DAY
    if day.weekday() == 6:
        return day + _ONE_DAY
    return day


def _closures_starting_in(year: int) -> set[date]:
    """Every non-instructional weekday whose closure starts in the given calendar year."""
    thanksgiving = _nth_weekday(year, 11, 3, 4)
    presidents = _nth_weekday(year, 2, 0, 3)
    closed = {
        _observed(date(year, 1, 1)),
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        presidents - timedelta(days=3),  # Lincoln Day, taken on the Friday before
        presidents,
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _observed(date(year, 6, 19)),  # Juneteenth
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _observed(date(year, 11, 11)),  # Veterans Day
        thanksgiving - _ONE_DAY,
        thanksgiving,
        thanksgiving + _ONE_DAY,
    }
    # Two full weeks starting on the Monday between Dec 20 and Dec 26 always cover
    # Christmas and New Year's Day (or their observed weekdays).
    winter = _monday_on_or_after(date(year, 12, 20))
    closed.update(winter + timedelta(days=i) for i in range(12))
    # Spring break: the week whose Monday falls between Mar 30 and Apr 5.
    spring = _monday_on_or_after(date(year, 3, 30))
    closed.update(spring + timedelta(days=i) for i in range(5))
    return closed


def school_days(start: date, end: date) -> list[date]:
    """Weekdays from start to end inclusive, minus California middle-school closures."""
    closed: set[date] = set()
    # The previous year is included because winter break reaches into early January.
    for year in range(start.year - 1, end.year + 1):
        closed |= _closures_starting_in(year)
    days: list[date] = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += _ONE_DAY
    return days


def academic_year_start(year_start: int) -> date:
    """The first instructional day: the second Wednesday of August of `year_start`."""
    return _nth_weekday(year_start, 8, 2, 2)


def academic_year_end(year_start: int) -> date:
    """The last instructional day: the 180th school day, which lands in late May or early June."""
    days = school_days(academic_year_start(year_start), date(year_start + 1, 6, 30))
    return days[_INSTRUCTIONAL_DAYS - 1]


def demo_date_range(today: date) -> tuple[date, date]:
    """Date range for a demo as seen on `today`: the current academic year so far, or the last one.

    The current year (1 July - 30 June) runs from its first instructional day through the day
    before `today`; with fewer than 40 school days in it, the whole previous year is used.
    """
    year = today.year if today.month >= 7 else today.year - 1
    first = academic_year_start(year)
    last = min(today - _ONE_DAY, academic_year_end(year))
    if last >= first and len(school_days(first, last)) >= _MIN_DEMO_DAYS:
        return first, last
    return academic_year_start(year - 1), academic_year_end(year - 1)
