"""Uploaded files: size-limited, sniffed for text, stored outside the web root under random names.

Files land in `<instance>/uploads/` (never under `assets/`, which is served to browsers) with
a random name; the original name is kept only as data (the import's `filename`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from attendly.errors import AttendlyError

CHUNK = 1024 * 1024
SNIFF_BYTES = 8192
# Leading bytes of files that are certainly not a CSV export.
BINARY_SIGNATURES = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",  # JPEG
    b"%PDF",
    b"PK\x03\x04",  # ZIP, XLSX
    b"\xd0\xcf\x11\xe0",  # XLS
    b"\x7fELF",
    b"MZ",
    b"\x1f\x8b",  # gzip
)
ALLOWED_CONTROL = {9, 10, 12, 13}


class UploadRejected(AttendlyError):
    """The upload is not acceptable (too large, or not a text file)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    original_name: str
    size: int


def upload_folder(instance_path: Path) -> Path:
    folder = instance_path / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def looks_like_text(head: bytes) -> bool:
    """True for the first bytes of a plain-text file (UTF-8/16 or a single-byte encoding)."""
    if head.startswith(BINARY_SIGNATURES):
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte-order mark: its NULs are part of the text
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in ALLOWED_CONTROL)
    return controls <= max(1, len(head) // 100)


def size_message(limit_bytes: int) -> str:
    return f"The file is larger than the upload limit of {limit_bytes // (1024 * 1024)} MB."


def store_upload(
    stream: IO[bytes], original_name: str, instance_path: Path, limit_bytes: int
) -> StoredUpload:
    """Copy `stream` to a new random file in the upload folder; returns where it went.

    Raises UploadRejected (413) past `limit_bytes`, (400) for an empty or non-text file;
    nothing is left behind on a rejection.
    """
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise UploadRejected("The file is empty.")
    if not looks_like_text(head):
        raise UploadRejected("Only text (CSV) files can be uploaded; this file is not text.")
    path = upload_folder(instance_path) / f"{secrets.token_hex(16)}.csv"
    size = 0
    try:
        with path.open("xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit_bytes:
                    raise UploadRejected(size_message(limit_bytes), status=413)
                out.write(chunk)
                chunk = stream.read(CHUNK)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    name = Path(original_name.replace("\\", "/")).name or "upload.csv"
    return StoredUpload(path, name[:200], size)
