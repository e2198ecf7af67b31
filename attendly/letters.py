"""Parent letters as PDF: fill a template for one student, lay it out on district letterhead.

Pure: callers hand in the template, the letterhead and the student's facts; nothing here reads
the database. The bundled DejaVu Sans font (attendly/fonts) covers every accent of Spanish and
most Latin, Greek and Cyrillic names, so no system font is needed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

from attendly.letter_texts import DEFAULT_TEMPLATES, FRAME_WORDS, LANGUAGES

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
PLACEHOLDERS = (
    "student_name",
    "student_first_name",
    "student_id",
    "grade_level",
    "school_name",
    "district_name",
    "school_phone",
    "academic_year",
    "truancy_occasions",
    "absence_dates",
    "date",
)
LETTERHEAD_FIELDS = (
    "district_name",
    "school_name",
    "address",
    "phone",
    "signer_name",
    "signer_title",
)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ITEM = re.compile(r"^(-|\d{1,2}\.)\s+(.*)$")
_MONTHS_ES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
_DAYS_ES = "lunes martes miércoles jueves viernes sábado domingo".split()


@dataclass(frozen=True)
class AbsenceDate:
    """One truancy occasion: its date and whether the student missed the whole day."""

    date: dt.date
    full_day: bool


@dataclass(frozen=True)
class LetterFacts:
    """Everything about one student that a letter may mention."""

    student_id: str
    first_name: str
    last_name: str
    grade_level: int
    academic_year: str
    truancy_occasions: int
    absences: Sequence[AbsenceDate] = ()
    school_name: str = ""


@dataclass(frozen=True)
class ComposedLetter:
    """A letter ready to lay out: letterhead lines, subject and filled body."""

    language: str
    letterhead: Mapping[str, str]
    date_text: str
    subject: str
    body: str
    footer: str
    signature: Sequence[str] = field(default_factory=tuple)


def default_template(key: str, language: str) -> tuple[str, str]:
    """(subject, body) of a built-in template. Raises KeyError for an unknown one."""
    return DEFAULT_TEMPLATES[(key, language)]


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in `text` that no letter can fill (a template editor's check)."""
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def format_date(day: dt.date, language: str) -> str:
    """A long date in the letter's language: 'Tuesday, September 9, 2025' / 'martes, 9 de …'."""
    if language == "es":
        return f"{_DAYS_ES[day.weekday()]}, {day.day} de {_MONTHS_ES[day.month - 1]} de {day.year}"
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def absence_lines(absences: Sequence[AbsenceDate], language: str) -> str:
    """One bullet line per truancy occasion, with what kind of absence it was."""
    words = FRAME_WORDS[language]
    return "\n".join(
        f"- {format_date(item.date, language)}: "
        + words["full_day" if item.full_day else "part_day"]
        for item in absences
    )


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace known {placeholders}; anything else in braces is left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def compose(
    facts: LetterFacts,
    template: tuple[str, str],
    letterhead: Mapping[str, str],
    language: str,
    today: dt.date,
) -> ComposedLetter:
    """Fill `template` (subject, body) for one student on the district's letterhead."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown letter language {language!r}")
    head = {key: str(letterhead.get(key) or "") for key in LETTERHEAD_FIELDS}
    head["school_name"] = head["school_name"] or facts.school_name
    values = {
        "student_name": f"{facts.first_name} {facts.last_name}".strip() or facts.student_id,
        "student_first_name": facts.first_name or facts.student_id,
        "student_id": facts.student_id,
        "grade_level": str(facts.grade_level),
        "school_name": head["school_name"],
        "district_name": head["district_name"],
        "school_phone": head["phone"] or head["school_name"],
        "academic_year": facts.academic_year,
        "truancy_occasions": str(facts.truancy_occasions),
        "absence_dates": absence_lines(facts.absences, language),
        "date": format_date(today, language),
    }
    words = FRAME_WORDS[language]
    return ComposedLetter(
        language=language,
        letterhead=head,
        date_text=values["date"],
        subject=fill(template[0], values),
        body=fill(template[1], values),
        footer=f"{words['student']} {facts.student_id} · {words['grade']} {facts.grade_level}",
        signature=(words["sincerely"], "", head["signer_name"], head["signer_title"]),
    )


class _LetterPdf(FPDF):
    """FPDF with the current letter's footer line on each of its pages."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-44)
        self.set_font(FONT, "", 8)
        self.cell(0, 10, self.footer_text, align="C")


def render(letters: Sequence[ComposedLetter]) -> bytes:
    """One PDF with every letter, each starting on a new page."""
    pdf = _LetterPdf(format="letter", unit="pt")
    pdf.set_margins(72, 60, 72)
    pdf.set_auto_page_break(True, margin=60)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title("Attendance letters")
    for letter in letters:
        _draw(pdf, letter)
    return bytes(pdf.output())


def _draw(pdf: _LetterPdf, letter: ComposedLetter) -> None:
    pdf.add_page()  # closes the previous letter's last page with that letter's footer
    pdf.footer_text = letter.footer
    _draw_letterhead(pdf, letter.letterhead)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 14, letter.date_text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 15, letter.subject, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    _draw_body(pdf, letter.body)
    pdf.ln(8)
    pdf.set_font(FONT, "", 10)
    for line in letter.signature:
        pdf.cell(0, 14, line, new_x="LMARGIN", new_y="NEXT")


def _draw_letterhead(pdf: FPDF, head: Mapping[str, str]) -> None:
    pdf.set_font(FONT, "B", 14)
    pdf.cell(
        0,
        18,
        head.get("district_name") or head.get("school_name", ""),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(FONT, "", 9)
    lines = [head.get("school_name", "")] if head.get("district_name") else []
    lines += [head.get("address", ""), head.get("phone", "")]
    for line in filter(None, lines):
        pdf.cell(0, 12, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(14)


def _draw_body(pdf: FPDF, body: str) -> None:
    """Paragraphs split on blank lines; '- ' and '1. ' lines become hanging-indent items."""
    pdf.set_font(FONT, "", 10)
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        for line in paragraph.splitlines():
            item = _ITEM.match(line)
            if item:
                marker = "•" if item.group(1) == "-" else item.group(1)
                _draw_item(pdf, marker, item.group(2))
            else:
                pdf.multi_cell(0, 13, line.strip(), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(7)


def _draw_item(pdf: FPDF, marker: str, text: str) -> None:
    """A list item: the marker in a narrow column, wrapped text aligned after it."""
    left = pdf.l_margin
    pdf.set_x(left + 12)
    pdf.cell(18, 13, marker)
    pdf.set_left_margin(left + 30)
    pdf.multi_cell(0, 13, text.strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_left_margin(left)
    pdf.set_x(left)
