"""Fast multi-row writes and look-ups for bulk work: sqlite3's executemany, or COPY on PostgreSQL, and
plain SQL with parameters (no per-value ORM conversion, no SQL built per IN list).
Call these inside a transaction."""
from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import peewee as pw

from storage.db import database, is_sqlite
from storage.models import JSONField

CACHE_MB = 64              # SQLite page cache of the importing connection (the default is 2 MB)
CHECKPOINT_PAGES = 10_000  # WAL pages between checkpoints while importing (the default is 1,000)
IN_CHUNK = 900             # parameters per IN (...) list: below every SQLite build's variable limit


class JSONText(str):
    """A value already encoded as JSON text (json_text, json_objects): stored in a JSONField as it is."""


def json_text(value) -> JSONText:
    """`value` encoded once, for a JSONField value that many rows share."""
    return JSONText(json.dumps(value))


def json_objects(constant: dict, keys: tuple[str, ...], rows: Iterable[tuple]) -> list[JSONText]:
    """JSON objects with `keys` set from each row (strings) plus the same `constant` items, encoded the
    way json.dumps encodes them but with the constant part encoded only once."""
    esc = json.encoder.encode_basestring_ascii
    tail = json.dumps(constant)[1:]
    tail = ", " + tail if constant else tail
    heads = ["{" + esc(keys[0]) + ": "] + [", " + esc(k) + ": " for k in keys[1:]]
    if len(keys) == 1:
        return [JSONText(heads[0] + esc(a) + tail) for a, in rows]
    return [JSONText("".join(h + esc(v) for h, v in zip(heads, row)) + tail) for row in rows]


def _sqlite_datetime(value):
    # What sqlite3's default adapter (and so the ORM) stores for a datetime.
    return value.isoformat(" ") if isinstance(value, dt.datetime) else value


def _column_converter(f: pw.Field, sqlite: bool):
    """None when the driver takes the value as it is (callers give str, int, bool and datetime values,
    which sqlite3 and psycopg2 store exactly as the ORM would); else a function of one value."""
    if isinstance(f, pw.DateTimeField):
        if not sqlite:
            return None
        memo: dict = {}

        def datetime_text(value):  # converted once per distinct value, not once per cell
            try:
                return memo[value]
            except KeyError:
                return memo.setdefault(value, _sqlite_datetime(value))
        return datetime_text
    if isinstance(f, pw.ForeignKeyField):
        return None if isinstance(f.rel_field, pw.IntegerField) else f.db_value
    if type(f).db_value is pw.Field.db_value and isinstance(f, (pw.CharField, pw.TextField, pw.IntegerField,
                                                                pw.BooleanField)):
        return None
    db_value = f.db_value

    def through_field(value):
        if type(value) is JSONText:
            return value  # already encoded (both drivers take a str subclass as text)
        return None if value is None else db_value(value)
    return through_field


def _row_converter(fields: list[pw.Field | None], sqlite: bool):
    """One function converting a whole row (None for a field: its values as they are), or None when
    nothing needs converting. Built once per insert: a generated tuple expression is several times
    faster than converting cell by cell in a loop."""
    converters = [None if f is None else _column_converter(f, sqlite) for f in fields]
    if all(c is None for c in converters):
        return None
    cells = ", ".join(f"r[{i}]" if c is None else f"c{i}(r[{i}])" for i, c in enumerate(converters))
    scope = {f"c{i}": c for i, c in enumerate(converters) if c is not None}
    return eval(f"lambda r: ({cells},)", scope)  # noqa: S307 (indices and names only, no data)


def insert_rows(model: type[pw.Model], fields: list[pw.Field], rows: list[tuple]) -> None:
    """Insert plain Python values (stored exactly as the ORM would store them)."""
    if not rows:
        return
    # The ORM fills Python-side defaults; a raw insert must too.
    given = {f.name for f in fields}  # (peewee overloads == on fields, so no `in` on the list)
    defaults = [f for f in model._meta.sorted_fields
                if f.name not in given and not f.primary_key and f.default is not None]
    if defaults:
        extra = tuple(f.default() if callable(f.default) else f.default for f in defaults)
        fields = list(fields) + defaults
        rows = [tuple(row) + extra for row in rows]
    sqlite = is_sqlite()
    # A JSON column whose values are all already encoded needs no conversion at all.
    encoded = {i for i, f in enumerate(fields)
               if isinstance(f, JSONField) and all(type(row[i]) is JSONText for row in rows)}
    convert = _row_converter([None if i in encoded else f for i, f in enumerate(fields)], sqlite)
    values = rows if convert is None else list(map(convert, rows))
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    table = model._meta.table_name
    if sqlite:
        marks = ", ".join("?" for _ in fields)
        database.cursor().executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', values)
        return
    # PostgreSQL: COPY, several times faster than multi-row INSERTs to build and to run.
    data = "".join(["\t".join(map(_copy_cell, row)) + "\n" for row in values])
    database.cursor().copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', io.StringIO(data))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_cell(value) -> str:
    """One value in COPY's text format (what psycopg2 would have sent as a parameter)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return str(value)


def select_in(sql: str, params: tuple, values: Iterable) -> list[tuple]:
    """Rows of `sql` (whose WHERE ends with `{IN}`, e.g. "... AND email_key IN {IN}") for every value,
    chunked; `params` come before the IN list. Placeholders in `sql` are written as `?`."""
    values = list(values)
    found: list[tuple] = []
    param = database.param
    base = sql.replace("?", param) if param != "?" else sql
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        query = base.replace("{IN}", "(" + ", ".join(param for _ in chunk) + ")")
        found.extend(database.execute_sql(query, (*params, *chunk)).fetchall())
    return found


def select(sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a plain SQL query whose placeholders are written as `?`."""
    param = database.param
    return database.execute_sql(sql.replace("?", param) if param != "?" else sql, params).fetchall()


def last_id(model: type[pw.Model]) -> int:
    """The highest id so far: rows this transaction inserts after reading it have higher ids (SQLite:
    the writer holds the lock; PostgreSQL: sequences only grow)."""
    table = model._meta.table_name
    return database.execute_sql(f'SELECT MAX("id") FROM "{table}"').fetchone()[0] or 0


@contextmanager
def bulk_session(cache_mb: int = CACHE_MB, checkpoint_pages: int = CHECKPOINT_PAGES) -> Iterator[None]:
    """On SQLite, settings of this connection while a bulk import runs, restored after: a larger page
    cache (each batch updates index pages all over the unique indexes on addresses and link digests,
    which the default 2 MB cache keeps reading back) and fewer WAL checkpoints (each one copies the
    pages the last batches rewrote). Both bounded, so memory stays flat however big the file."""
    if not is_sqlite():
        yield
        return
    settings = {"cache_size": -int(cache_mb) * 1024, "wal_autocheckpoint": int(checkpoint_pages)}
    before = {name: int(database.execute_sql(f"PRAGMA {name}").fetchone()[0]) for name in settings}
    for name, value in settings.items():
        database.execute_sql(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        for name, value in before.items():
            database.execute_sql(f"PRAGMA {name} = {value}")
