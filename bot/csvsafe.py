"""CSV that is safe to open in a spreadsheet: member-written text never runs as a formula.

The one CSV writer: prompt exports, the `/cocreate export` zip and the `cocreate export`
files all go through ``to_csv``, so the formula neutralisation lives here only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise a leading formula character (CSV injection); lists become '; '-joined text."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a header row (written even when there are no rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def records_csv(columns: Sequence[str], records: Iterable[Mapping[str, Any]]) -> bytes:
    """``to_csv`` for rows given as dicts; a key outside ``columns`` is refused, so a query
    that gains a column cannot drift from its header unnoticed."""
    known = frozenset(columns)

    def cells(record: Mapping[str, Any]) -> list[Any]:
        unknown = record.keys() - known
        if unknown:
            raise ValueError(f"columns not in the header: {sorted(unknown)}")
        return [record.get(c) for c in columns]

    return to_csv(columns, (cells(r) for r in records))
