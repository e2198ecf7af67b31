"""Demo-school generator writing realistic roster, attendance and calendar exports."""

from attendly.demo.calendar import (
    academic_year_end,
    academic_year_start,
    demo_date_range,
    school_days,
)
from attendly.demo.generate import DemoFiles, generate_school

__all__ = [
    "DemoFiles",
    "academic_year_end",
    "academic_year_start",
    "demo_date_range",
    "generate_school",
    "school_days",
]
