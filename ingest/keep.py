"""An import's own copy of its file, `<instance>/imports/<id>-<sha>.<ext>`: what a resume reads.

The copy is byte-identical to the upload (its SHA-256 is the import's `file_sha256`); it is
removed when the import ends (completed, rejected or rolled back) and kept while a resume is
possible. While an import runs, its process holds an exclusive lock on the copy: a second
process cannot resume an import that is still alive, and a killed process releases it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from attendly.errors import AttendlyError

try:  # POSIX; elsewhere imports simply run unlocked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

BLOCK = 1 << 20


class ImportBusy(AttendlyError):
    """Another live process is running this import."""


def imports_folder(instance_path: Path) -> Path:
    return instance_path / "imports"


def keep_copy(source: Path, folder: Path, import_id: int) -> tuple[Path, str]:
    """Copy `source` into `folder`, hashing it on the way; returns (copy, sha256 hex).

    Raises OSError when the source cannot be read.
    """
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{import_id}.partial"
    digest = hashlib.sha256()
    with source.open("rb") as reader, partial.open("wb") as writer:
        for block in iter(lambda: reader.read(BLOCK), b""):
            digest.update(block)
            writer.write(block)
    sha = digest.hexdigest()
    kept = folder / f"{import_id}-{sha[:16]}{source.suffix or '.csv'}"
    partial.replace(kept)
    return kept, sha


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        for block in iter(lambda: reader.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def discard(path: str | None) -> None:
    """Remove a kept copy that no resume will need."""
    if path:
        Path(path).unlink(missing_ok=True)


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the import's lock for the block. Raises ImportBusy when a live process holds it."""
    if fcntl is None or not path.exists():
        yield
        return
    with path.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ImportBusy(f"{path.name} is being imported by another process") from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
