"""i-Ready Diagnostic (i-Ready Inform) results: every export layout from 2021-22 on."""

from ingest.iready.check import IReadyChecked, check
from ingest.iready.columns import COLUMNS
from ingest.iready.load import load
from ingest.iready.remap import after_roster_import, remap

__all__ = ["COLUMNS", "IReadyChecked", "after_roster_import", "check", "load", "remap"]
