"""Component ids shared by pages/ and callbacks/ (they never import each other)."""

from __future__ import annotations


class Shell:
    URL = "shell-url"
    NAVBAR = "shell-navbar"
    NAV_TOGGLER = "shell-nav-toggler"  # the navbar's menu button on narrow screens
    NAV_COLLAPSE = "shell-nav-collapse"  # what the menu button shows and hides
    NAV_MENU = "shell-nav-menu"  # + "-<nav_group>": the navbar's dropdown menus
    SKIP_LINK = "shell-skip-link"
    GRADE = "shell-grade"  # the grade filter, remembered per user in local storage
    GRADE_STORE = "shell-grade-store"


class Overview:
    KPI_ROW = "overview-kpis"
    TIER_ROW = "overview-tiers"
    TREND = "overview-trend"
    AS_OF = "overview-as-of"
    ALERT = "overview-alert"
    GRADE = "overview-grade"


class Users:
    TABLE = "users-table"
    USERNAME = "users-username"
    ROLE = "users-role"
    GRADES = "users-grades"
    PASSWORD = "users-password"
    SAVE = "users-save"
    DEACTIVATE = "users-deactivate"
    REACTIVATE = "users-reactivate"
    RESET = "users-reset-password"
    MESSAGE = "users-message"
    TOKEN_NAME = "users-token-name"
    TOKEN_CREATE = "users-token-create"
    TOKEN_ID = "users-token-id"
    TOKEN_REVOKE = "users-token-revoke"
    TOKEN_SHOWN = "users-token-shown"
    TOKENS = "users-tokens"
    REFRESH = "users-refresh"  # a counter bumped after each change; the tables re-read


class Audit:
    ACTION = "audit-action"
    USERNAME = "audit-username"
    DATES = "audit-dates"
    TABLE = "audit-table"
    COUNT = "audit-count"


class Filters:
    """The shell's filter bar: grade and academic year, remembered per user (dashboards)."""

    BAR = "shell-filters"
    GRADE = "shell-filter-grade"
    GRADE_BOX = "shell-filter-grade-box"
    SCHOOL = "shell-filter-school"
    SCHOOL_BOX = "shell-filter-school-box"
    YEAR = "shell-filter-year"
    # local storage: {"user": name, "grade": g, "year": y, "school": code}
    STORE = "shell-filter-store"
    PRINT_HEADER = "shell-print-header"


class Export:
    """Export controls; pattern-matching id types (every page uses the same callbacks)."""

    IMAGE = "shell-image-export"  # {"type": IMAGE, "graph": graph id, "format": "png"|"svg"}
    DATA = "shell-data-link"  # {"type": DATA, "dataset": "name[?query]", "format": "csv"|"xlsx"}


class Report:
    """The one-click PDF of a page's charts (pattern-matching on {"page": name})."""

    BUTTON = "shell-pdf-button"
    JOB = "shell-pdf-job"
    POLL = "shell-pdf-poll"
    STATUS = "shell-pdf-status"
    PARAMS = "shell-pdf-params"


class OverviewCharts:
    IREADY_ROW = "overview-iready-kpis"
    TIERS = "overview-tier-chart"
    GRADES = "overview-grade-chart"
    UPDATED = "overview-updated"


class Students:
    TIER = "students-tier"
    TRUANT = "students-truant"
    SEARCH = "students-search"
    SORT = "students-sort"
    NEAR_CHRONIC = "students-near-chronic"  # at most N more absences to chronic absence
    VIEW = "students-view"
    CARDS = "students-cards"
    PAGER = "students-pager"
    COUNT = "students-count"
    GRID = "students-grid"
    CARD_PANE = "students-card-pane"
    GRID_PANE = "students-grid-pane"
    DATA = "students-data-link"  # pattern type: {"type": DATA, "format": "csv"|"xlsx"}
    ALERT = "students-alert"


class Student:
    """The student detail page (pages/student.py)."""

    ID = "student-id"  # a store holding the student id of the path
    HEADER = "student-header"
    KPIS = "student-kpis"
    ALERT = "student-alert"
    CALENDAR = "student-calendar"
    WEEKDAY = "student-weekday-period"
    MONTHLY = "student-monthly"
    IREADY_ELA = "student-iready-ela"
    IREADY_MATH = "student-iready-math"
    BODY = "student-body"
    TIMELINE = "student-timeline"
    NEW_INTERVENTION = "student-new-intervention"
    CORRECT = "student-correct-attendance"  # a link to the Corrections page


class Correlation:
    SUBJECT = "correlation-subject"
    SUMMARY = "correlation-summary"
    SCATTER = "correlation-scatter"
    BY_TIER = "correlation-by-tier"
    GROWTH = "correlation-growth"
    PLACEMENT = "correlation-placement"
    TIER_TABLE = "correlation-tier-table"
    ALERT = "correlation-alert"


class Interventions:
    """The interventions page (pages/interventions.py); FIELD/FEEDBACK are pattern types
    {"type": FIELD, "name": <intervention field>}, EDIT is {"type": EDIT, "index": id}."""

    GRADE = "interventions-filter-grade"
    STUDENT = "interventions-filter-student"
    OWNER = "interventions-filter-owner"
    TYPE = "interventions-filter-type"
    STATUS = "interventions-filter-status"
    DUE = "interventions-filter-due"
    NEW = "interventions-new"
    FORM = "interventions-form"
    FORM_TITLE = "interventions-form-title"
    FIELD = "interventions-field"
    FEEDBACK = "interventions-feedback"
    SAVE = "interventions-save"
    CANCEL = "interventions-cancel"
    EDITING = "interventions-editing"  # store: the id being edited, None for a new one
    FOCUS_SINK = "interventions-focus"  # its title names the field to focus (see assets/)
    MESSAGE = "interventions-message"
    REFRESH = "interventions-refresh"
    TABLE = "interventions-table"
    TIMELINE = "interventions-timeline"
    EDIT = "interventions-edit"


class Truancy:
    """The truancy-ladder work queue (pages/truancy.py); LETTER and DECIDE are pattern types
    {"type": ..., "index": proposal id}."""

    AS_OF = "truancy-as-of"
    LANGUAGE = "truancy-language"
    BATCH = "truancy-batch"
    QUEUE = "truancy-queue"
    LETTER = "truancy-letter"
    DECIDE = "truancy-decide"
    DECISION = "truancy-decision"
    SELECTED = "truancy-selected"
    SELECTED_TEXT = "truancy-selected-text"
    CHOICE = "truancy-choice"
    REASON = "truancy-reason"
    REASON_FEEDBACK = "truancy-reason-feedback"
    DEFER_UNTIL = "truancy-defer-until"
    DEFER_FEEDBACK = "truancy-defer-feedback"
    SAVE = "truancy-save"
    MESSAGE = "truancy-message"
    REFRESH = "truancy-refresh"
    LETTERS = "truancy-letters"


class Letters:
    """Letterhead and letter templates (pages/letters.py); HEAD is a pattern type
    {"type": HEAD, "name": <letterhead field>}."""

    HEAD = "letters-head"
    HEAD_SAVE = "letters-head-save"
    KEY = "letters-key"
    LANGUAGE = "letters-language"
    SUBJECT = "letters-subject"
    BODY = "letters-body"
    BODY_FEEDBACK = "letters-body-feedback"
    SAVE = "letters-save"
    RESET = "letters-reset"
    SAMPLE = "letters-sample"
    MESSAGE = "letters-message"


class Effectiveness:
    GRADE = "effectiveness-grade"
    TABLE = "effectiveness-table"
    CHART = "effectiveness-chart"
    NOTE = "effectiveness-note"


class ImportsShell:
    """The app shell's import progress (survives page navigation) and notification badge."""

    STORE = "shell-import-store"  # ids of the imports this browser tab started
    POLL = "shell-import-poll"
    PROGRESS = "shell-import-progress"
    BADGE = "shell-notify-badge"


class Imports:
    """The Imports page (pages/imports.py)."""

    UPLOAD = "imports-upload"
    KIND = "imports-kind"
    MESSAGE = "imports-message"
    HISTORY = "imports-history"
    REFRESH = "imports-refresh"
    ACTION_ID = "imports-action-id"
    RESUME = "imports-resume"
    ROLLBACK = "imports-rollback"
    ACTION_MESSAGE = "imports-action-message"
    NOTIFICATIONS = "imports-notifications"
    MARK_READ = "imports-mark-read"


class Corrections:
    """The attendance-correction page (pages/corrections.py): one period of one student-day."""

    SEARCH = "corrections-search"
    STUDENT = "corrections-student"
    DATE = "corrections-date"
    PERIOD = "corrections-period"
    STATUS = "corrections-status"
    REASON = "corrections-reason"
    FEEDBACK = "corrections-feedback"  # + "-<field>": the message under each field
    DAY = "corrections-day"  # the chosen day's periods with their current status
    SAVE = "corrections-save"
    MESSAGE = "corrections-message"
    FOCUS_SINK = "corrections-focus"  # its title names the field to focus (see assets/)
    REFRESH = "corrections-refresh"
    RECENT = "corrections-recent"
    WINDOW = "corrections-window"  # the dates open to correction, in words


class Live:
    """The shell's live updates (attendly/components/live.py, assets/live.js): every page's
    refresh callbacks take EVENT as an Input."""

    EVENT = "shell-live-event"  # the latest change event (or merged catch-up batch) this tab saw
    VERSION = "shell-live-version"  # hidden text: the last event version this tab has seen
    POLL = "shell-live-poll"  # the fallback interval: enabled only while the socket is down
    STATUS = "shell-live-status"  # "Live" / "Reconnecting…" in words, not colour only


class System:
    """The System health page (pages/system.py)."""

    REFRESH = "system-refresh"
    POLL = "system-poll"
    KPIS = "system-kpis"
    DURATION_CHART = "system-duration-chart"
    ERRORS_CHART = "system-errors-chart"
    QUALITY_CHART = "system-quality-chart"
    ALERTS = "system-alerts"
    FAILED_JOBS = "system-failed-jobs"
    RETRY = "system-retry"  # pattern-matching: {"type": RETRY, "job": "<job id>"}
    RETRY_MESSAGE = "system-retry-message"
    SOURCES = "system-sources"
    TABLE_SIZES = "system-table-sizes"
    QUEUES = "system-queues"
    VERIFY = "system-verify"
    VERIFY_JOB = "system-verify-job"  # the running check's job id
    VERIFY_POLL = "system-verify-poll"
    VERIFY_RESULT = "system-verify-result"
