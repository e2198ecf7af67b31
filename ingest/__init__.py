"""Imports: readers, validation layers and loaders behind `run_import` (and its recovery)."""

from ingest.pipeline import run_import
from ingest.recovery import resume_import, rollback_import
from ingest.result import ImportResult

__all__ = ["ImportResult", "resume_import", "rollback_import", "run_import"]
