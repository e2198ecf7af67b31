"""Pure metric arithmetic: every number Attendly shows is defined here (no database, no I/O)."""

from attendly.metrics.codes import Category, canonical_status
from attendly.metrics.correlation import by_tier, correlations, pearson
from attendly.metrics.day import DayFigures, day_figures
from attendly.metrics.iready import growth_by_student, relative_placement_level, subject_kpis
from attendly.metrics.kpis import attendance_kpis, trend
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent, percent_hundredths
from attendly.metrics.student import FIGURE_COLUMNS, student_year_figures
from attendly.metrics.tiers import Tier, assign_tiers
from attendly.metrics.years import academic_year_bounds, academic_year_of, current_academic_year

__all__ = [
    "FIGURE_COLUMNS",
    "Category",
    "DayFigures",
    "Policy",
    "Tier",
    "academic_year_bounds",
    "academic_year_of",
    "assign_tiers",
    "attendance_kpis",
    "by_tier",
    "canonical_status",
    "correlations",
    "current_academic_year",
    "day_figures",
    "growth_by_student",
    "pearson",
    "percent",
    "percent_hundredths",
    "relative_placement_level",
    "student_year_figures",
    "subject_kpis",
    "trend",
]
