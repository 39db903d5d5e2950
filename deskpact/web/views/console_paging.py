"""Sorting and keyset pages for console lists: one query per page at any depth.

Only the sorts named here reach `order_by`; a cursor is the last row's sort values,
so page 500 costs what page 1 costs, and rows arriving meanwhile shift nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet

from deskpact.tickets.console_queries import PRIORITY_RANK
from deskpact.tickets.models import Ticket

PAGE_SIZES = (25, 50, 100)
RELEVANCE = "relevance"
MAX_SEARCH_PAGES = 10  # ranked results past a few pages are not useful; offsets stay cheap


@dataclass(frozen=True)
class Sort:
    label: str
    keys: tuple[tuple[str, bool], ...]  # (field, descending), ending in the unique id

    def order(self) -> list[str]:
        return [f"-{name}" if desc else name for name, desc in self.keys]


SORTS: dict[str, Sort] = {
    "newest": Sort("Newest first", (("created_at", True), ("id", True))),
    "oldest": Sort("Oldest first", (("created_at", False), ("id", False))),
    "updated": Sort("Recently updated", (("updated_at", True), ("id", True))),
    "priority": Sort(
        "Priority, then oldest", (("priority_rank", True), ("created_at", False), ("id", False))
    ),
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class Page:
    rows: list[Any]  # tickets, or named tuples of the `columns` asked for
    sort: str
    next_after: str | None = None
    prev_before: str | None = None
    page_number: int | None = None  # relevance pages only
    has_next_page: bool = False


def pick_sort(value: str | None, *, searching: bool) -> str:
    """The requested sort when it is on the allowlist; anything else gets the default
    (best match first when searching)."""
    if value in SORTS:
        return str(value)
    return RELEVANCE if searching else DEFAULT_SORT


def pick_page_size(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) in PAGE_SIZES else PAGE_SIZES[0]


def encode_cursor(row: Any, sort: Sort) -> str:
    values: list[Any] = []
    for name, _ in sort.keys:
        value = getattr(row, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(token: str | None, sort: Sort) -> list[Any] | None:
    """The sort values in `token`, or None for anything malformed (then: the first page)."""
    if not token or len(token) > 500:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, list) or len(raw) != len(sort.keys):
            return None
        values: list[Any] = []
        for (name, _), value in zip(sort.keys, raw, strict=True):
            if name.endswith("_at"):
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is None:
                    return None
                values.append(parsed)
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
                values.append(value)
            else:
                return None
        return values
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def _beyond(sort: Sort, values: list[Any], *, backwards: bool) -> Q:
    """Rows after (or before) `values` in `sort` order: the row-value comparison, spelled out."""
    branches = []
    for i, (name, desc) in enumerate(sort.keys):
        step = "lt" if desc != backwards else "gt"
        tie = Q(**{earlier: values[j] for j, (earlier, _) in enumerate(sort.keys[:i])})
        branches.append(tie & Q(**{f"{name}__{step}": values[i]}))
    return reduce(operator.or_, branches)


def _read(rows: QuerySet[Ticket], columns: Sequence[str], sort: Sort | None = None) -> Any:
    """`rows` as tickets, or as named tuples of `columns` (and the sort keys, for cursors)."""
    if not columns:
        return rows
    keys = [name for name, _ in sort.keys if name not in columns] if sort else []
    return rows.values_list(*columns, *keys, named=True)


def keyset_page(
    rows: QuerySet[Ticket],
    sort_name: str,
    *,
    size: int,
    after: str | None = None,
    before: str | None = None,
    columns: Sequence[str] = (),
) -> Page:
    """One page of `rows` in an allowlisted sort, after or before a cursor; rows are
    tickets, or named tuples of `columns` when given."""
    sort = SORTS[sort_name]
    if any(name == "priority_rank" for name, _ in sort.keys):
        rows = rows.annotate(priority_rank=PRIORITY_RANK)
    after_values = decode_cursor(after, sort)
    before_values = None if after_values else decode_cursor(before, sort)
    if before_values is not None:
        flipped = [name if desc else f"-{name}" for name, desc in sort.keys]
        earlier = rows.filter(_beyond(sort, before_values, backwards=True))
        found = list(_read(earlier.order_by(*flipped), columns, sort)[: size + 1])
        more_before = len(found) > size
        page_rows = list(reversed(found[:size]))
        return Page(
            rows=page_rows,
            sort=sort_name,
            next_after=encode_cursor(page_rows[-1], sort) if page_rows else None,
            prev_before=encode_cursor(page_rows[0], sort) if more_before and page_rows else None,
        )
    if after_values is not None:
        rows = rows.filter(_beyond(sort, after_values, backwards=False))
    found = list(_read(rows.order_by(*sort.order()), columns, sort)[: size + 1])
    page_rows = found[:size]
    return Page(
        rows=page_rows,
        sort=sort_name,
        next_after=encode_cursor(page_rows[-1], sort) if len(found) > size else None,
        prev_before=encode_cursor(page_rows[0], sort) if after_values and page_rows else None,
    )


def ranked_page(
    rows: QuerySet[Ticket], *, size: int, page: str | None, columns: Sequence[str] = ()
) -> Page:
    """Search results in the search's own order, in a few bounded offset pages."""
    number = int(page) if page and page.isdigit() else 1
    number = min(max(number, 1), MAX_SEARCH_PAGES)
    start = (number - 1) * size
    found = list(_read(rows, columns)[start : start + size + 1])
    return Page(
        rows=found[:size],
        sort=RELEVANCE,
        page_number=number,
        has_next_page=len(found) > size and number < MAX_SEARCH_PAGES,
    )
