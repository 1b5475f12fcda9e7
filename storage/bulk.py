"""Fast multi-row inserts for bulk work: sqlite3's executemany, or multi-row INSERTs on PostgreSQL."""
from __future__ import annotations

import peewee as pw

from storage.db import database, is_sqlite

PG_CHUNK = 1000


def insert_rows(model: type[pw.Model], fields: list[pw.Field], rows: list[tuple]) -> None:
    """Insert plain Python values (converted like the ORM would); call inside a transaction."""
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
    if is_sqlite():
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        marks = ", ".join("?" for _ in fields)
        converters = [f.db_value for f in fields]
        sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
        database.cursor().executemany(
            sql, [tuple(conv(v) for conv, v in zip(converters, row)) for row in rows])
        return
    for start in range(0, len(rows), PG_CHUNK):
        model.insert_many(rows[start:start + PG_CHUNK], fields=fields).execute()
