"""Report rows as CSV text: the figures a report page shows, ready for a download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def _cell(value: object) -> object:
    """None is an empty cell; everything else is written as its text."""
    return "" if value is None else value


def rows_to_csv(header: list[str], rows: Iterable[Sequence[object]]) -> str:
    """The header line and one line per row, CSV-quoted, with CRLF line ends (RFC 4180).

    Values are written as given, so a caller formats (rounds) numbers exactly as its page
    shows them; None becomes an empty cell.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()
