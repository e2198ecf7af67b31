"""Imports: readers, validation layers and loaders behind one entry point, `run_import`."""

from ingest.pipeline import run_import
from ingest.result import ImportResult

__all__ = ["ImportResult", "run_import"]
