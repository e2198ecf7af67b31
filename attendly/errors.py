"""The small error hierarchy: raised deep, translated once at the edge (UI, API, CLI)."""

from __future__ import annotations


class AttendlyError(Exception):
    """Base of every error Attendly raises on purpose."""


class ConfigError(AttendlyError):
    """A setting is missing or has a value Attendly refuses to run with."""


class NotFound(AttendlyError):
    """The thing asked for does not exist (or the user may not know it exists)."""


class Forbidden(AttendlyError):
    """The user is logged in but may not see or change this."""


class FileRejected(AttendlyError):
    """An import file was rejected as a whole; nothing was written.

    Carries the import id (when one was recorded) so the caller can show the stored report.
    """

    def __init__(self, message: str, import_id: int | None = None) -> None:
        super().__init__(message)
        self.import_id = import_id


class RetryLater(Exception):
    """The system's state stopped the work, and another attempt may find it changed (not the
    file, not the user's request). Not an AttendlyError: an import reports it as a failure,
    and the job queue tries again with backoff (attendly.jobs.TRANSIENT)."""
