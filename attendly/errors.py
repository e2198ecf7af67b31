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
