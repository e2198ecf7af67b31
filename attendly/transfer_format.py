"""The `attendly export-all` archive: a zip of one JSON-lines file per table and a manifest.

Layout: `manifest.json` (format, app version, Alembic revisions, and per table its file, column
names, row count and the SHA-256 of the file) and `tables/<table>.jsonl`, one JSON array per
row in the manifest's column order. Values have one spelling on every backend, so that an
archive of SQLite and one of PostgreSQL holding the same data are the same bytes:

  date / time       ISO 8601 text              datetime with zone  ISO 8601 in UTC (+00:00)
  decimal           text at the column's scale bytes               base64 text
  JSON column       the stored JSON as text    boolean / integer   JSON true/false / number
  NULL              null (a JSON column holding JSON null is the text "null")

The archive holds password hashes and API-token hashes (so users can sign in after a move),
never a plaintext password or token. Sessions are signed cookies and are not in the database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Time,
    null,
)

from attendly.errors import AttendlyError

FORMAT = "attendly-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class TransferRejected(AttendlyError):
    """An archive (or the target database) was refused as a whole; nothing was written."""


@dataclass(frozen=True)
class TableEntry:
    """One table's file in the archive."""

    name: str
    file: str
    columns: list[str]
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What an archive holds and where it came from."""

    app_version: str
    exported_at: str
    source_dialect: str
    revisions: list[str]
    tables: list[TableEntry]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    secrets: str = "password and API-token hashes only; no plaintext password or token"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: bytes) -> Manifest:
        """Parse a manifest; raises TransferRejected naming what is missing or wrong."""
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise TransferRejected(f"{MANIFEST} is not valid JSON: {exc}") from exc
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise TransferRejected(f"{MANIFEST} is not an Attendly export manifest")
        if raw.get("format_version") != FORMAT_VERSION:
            raise TransferRejected(
                f"archive format version {raw.get('format_version')!r} is not supported "
                f"(this Attendly reads version {FORMAT_VERSION})"
            )
        try:
            tables = [TableEntry(**entry) for entry in raw.pop("tables")]
            return cls(**raw, tables=tables)
        except (KeyError, TypeError) as exc:
            raise TransferRejected(f"{MANIFEST} is incomplete or malformed: {exc}") from exc


def table_file(table: Table) -> str:
    return f"tables/{table.name}.jsonl"


# --- Values: one codec per column type -----------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """How one column's values are written to and read back from the archive.

    `decode` raises ValueError with a message fit to follow "column X: ".
    """

    kind: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _expect(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{value!r} is not {what}")
    return value


def _parsed(parse: Callable[[str], Any], what: str) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        try:
            return parse(_expect(value, str, what))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not {what}") from exc

    return decode


def _utc_text(value: dt.datetime) -> str:
    # SQLite hands back the naive UTC the app stored; PostgreSQL an aware value in its zone.
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return aware.isoformat()


def _utc_value(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value.astimezone(dt.UTC)


def _decimal_codec(scale: int | None) -> Codec:
    step = Decimal(1).scaleb(-scale) if scale is not None else None

    def encode(value: Any) -> str:
        number = Decimal(value)
        return format(number.quantize(step) if step is not None else number.normalize(), "f")

    def decode(value: Any) -> Decimal:
        try:
            number = Decimal(_expect(value, str, "a decimal number"))
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal number") from exc
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite decimal number")
        return number

    return Codec("decimal", encode, decode)


def _float(value: Any) -> float:
    number = float(_expect(value, (int, float), "a number"))
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _json_decode(value: Any) -> Any:
    # SQL NULL must stay SQL NULL: a plain None would be stored as the JSON text 'null'.
    if value is None:
        return null()
    try:
        return json.loads(_expect(value, str, "JSON text"))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not JSON text") from exc


def _bytes_decode(value: Any) -> bytes:
    try:
        return base64.b64decode(_expect(value, str, "base64 text"), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{value[:40]!r} is not base64 text") from exc


def _same(value: Any) -> Any:
    return value


def _simple_codecs() -> list[tuple[type, Codec]]:
    """Codecs by column type, most specific first (Float is a Numeric, Text a String)."""
    return [
        (JSON, Codec("json", _same, _json_decode)),
        (LargeBinary, Codec("bytes", lambda v: base64.b64encode(v).decode(), _bytes_decode)),
        (Date, Codec("date", dt.date.isoformat, _parsed(dt.date.fromisoformat, "a date"))),
        (Time, Codec("time", dt.time.isoformat, _parsed(dt.time.fromisoformat, "a time"))),
        (Boolean, Codec("bool", bool, lambda v: _expect(v, bool, "true or false"))),
        (Float, Codec("float", float, _float)),
        (Integer, Codec("int", int, lambda v: _expect(v, int, "a whole number"))),
        (String, Codec("str", str, lambda v: _expect(v, str, "text"))),
    ]


def codec(column: Column[Any]) -> Codec:
    """The codec of `column`; raises TransferRejected for a type the archive cannot hold."""
    kind = column.type
    if isinstance(kind, DateTime):
        if kind.timezone:
            return Codec("datetime_tz", _utc_text, _parsed(_utc_value, "a date-time with zone"))
        iso = _parsed(dt.datetime.fromisoformat, "a date-time")
        return Codec("datetime", dt.datetime.isoformat, iso)
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return _decimal_codec(kind.scale)
    for base, found in _simple_codecs():
        if isinstance(kind, base):
            return found
    raise TransferRejected(f"column {column.table.name}.{column.name}: type {kind} not supported")


# Values the database driver already hands over in their archive spelling.
_AS_IS = frozenset({"str", "int", "bool", "json"})
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_rows(codecs: list[Codec], rows: Iterable[Sequence[Any]]) -> bytes:
    """Archive lines (UTF-8, each newline-terminated) for database rows."""
    encoders = [None if c.kind in _AS_IS else c.encode for c in codecs]
    lines = [
        _ENCODER.encode(
            [v if f is None or v is None else f(v) for f, v in zip(encoders, row, strict=True)]
        )
        for row in rows
    ]
    return ("\n".join(lines) + "\n").encode() if lines else b""


# Kinds whose archive spelling is already the database value (checked by type only).
_PLAIN: dict[str, type] = {"str": str, "int": int, "bool": bool}


def decode_row(
    table: str, columns: list[Column[Any]], codecs: list[Codec], line: bytes, number: int
) -> list[Any]:
    """A database row (values in column order) from one archive line of `table`.

    Raises TransferRejected naming the table, the line and the column of any bad value.
    """
    where = f"table {table}, line {number}"
    try:
        values = json.loads(line.decode())
    except ValueError as exc:
        raise TransferRejected(f"{where}: not a JSON row ({exc})") from exc
    if not isinstance(values, list) or len(values) != len(codecs):
        raise TransferRejected(f"{where}: expected {len(codecs)} values")
    for index, (column, column_codec) in enumerate(zip(columns, codecs, strict=True)):
        value = values[index]
        if value is None and not column.nullable:
            raise TransferRejected(f"{where}, column {column.name}: may not be empty")
        if (value is None and column_codec.kind != "json") or type(value) is _PLAIN.get(
            column_codec.kind
        ):
            continue
        try:
            values[index] = column_codec.decode(value)
        except ValueError as exc:
            raise TransferRejected(f"{where}, column {column.name}: {exc}") from exc
    return values
