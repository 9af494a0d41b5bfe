"""Bulk writes whose repeated values are converted for the database once, not once per row.

An executemany of 100,000 rows runs every value through its column type's bind processor
(``UTCDateTime`` then SQLite's datetime formatting): ~4 µs a timestamp, seconds per digest
tick, although a tick's rows share a handful of timestamps. :class:`BulkTable` converts each
distinct value once with the column's own processor, so rows are stored exactly as the ORM
would store them, and targets a plain ``table()`` clause whose columns carry no type, so
SQLAlchemy passes the converted values through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, Table, column, table
from sqlalchemy.sql.expression import TableClause


class BulkTable:
    """``columns`` of ``source`` as an untyped table, and rows converted for ``dialect``."""

    def __init__(self, source: Table, columns: Iterable[str], dialect: Dialect) -> None:
        names = list(columns)
        self.table: TableClause = table(source.name, *(column(name) for name in names))
        self._binds: dict[str, Callable[[Any], Any]] = {}
        self._results: dict[str, Callable[[Any], Any]] = {}
        for name in names:
            kind = source.c[name].type.dialect_impl(dialect)  # e.g. SQLite's datetime text
            if (bind := kind.bind_processor(dialect)) is not None:
                self._binds[name] = bind
            if (result := kind.result_processor(dialect, None)) is not None:
                self._results[name] = result
        self._written: dict[tuple[str, Any], Any] = {}
        self._read: dict[tuple[str, Any], Any] = {}

    def rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Convert ``rows`` (column name to Python value) in place for the driver; returns them.

        Only columns whose type converts values (timestamps, booleans on SQLite) are looked
        up; their values must be hashable and are expected to repeat.
        """
        return [self._convert(row, self._binds, self._written) for row in rows]

    def results(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        """Rows selected from :attr:`table` (in its column order), as the ORM would read them."""
        names = [c.name for c in self.table.columns]
        return [
            self._convert(dict(zip(names, row, strict=True)), self._results, self._read)
            for row in rows
        ]

    @staticmethod
    def _convert(
        row: dict[str, Any],
        processors: Mapping[str, Callable[[Any], Any]],
        memo: dict[tuple[str, Any], Any],
    ) -> dict[str, Any]:
        for name, processor in processors.items():
            value = row[name]
            if value is None:
                continue
            key = (name, value)
            found = memo.get(key, _MISSING)
            if found is _MISSING:
                found = memo[key] = processor(value)
            row[name] = found
        return row


_MISSING = object()
