"""The rows of a console list as HTML, written in Python: a list page's hottest loop.

Through the template engine each row cost a {% url %}, three date filters, two
get_*_display and a dozen variable lookups, about 0.1 ms a row: most of a 25-row page.
Here a row is one format string, every value escaped as the template's autoescaping
did, filled with the strings the template's tags and filters gave (the same Django
functions make them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from deskpact.tickets.models import KEY_PREFIX, Ticket
from deskpact.web.markup import address_maker, esc

STATUS_LABELS: dict[str, str] = dict(Ticket.Status.choices)
PRIORITY_LABELS: dict[str, str] = dict(Ticket.Priority.choices)

ROW = (
    '<tr data-row data-testid="row-{key}">\n'
    '  <td><input type="checkbox" name="ticket" value="{pk}" aria-label="Select {key}"></td>\n'
    '  <td><a href="{url}" data-row-link>{key}</a></td>\n'
    '  <td class="subject">{subject}</td>\n'
    "  <td>{requester}{organization}</td>\n"
    '  <td><span class="badge status-{status}">{status_label}</span></td>\n'
    '  <td><span class="badge priority-{priority}">{priority_label}</span></td>\n'
    "  <td>{owner}</td>\n"
    "  <td>{queue}</td>\n"
    '  <td><time datetime="{updated_iso}" title="{updated_title}">{updated_ago} ago</time></td>\n'
    "</tr>"
)
NOBODY = mark_safe('<span class="muted">nobody</span>')
ORGANIZATION = '<br><small class="muted">{}</small>'


def _row(**values: object) -> SafeString:
    return mark_safe(ROW.format_map({name: esc(value) for name, value in values.items()}))


def list_rows(tickets: Sequence[Any]) -> list[SafeString]:
    """One <tr> per ticket, from rows of console_queries.LIST_COLUMNS (the columns of
    console/_ticket_list.html's header)."""
    ticket_url = address_maker("console:ticket", "DP-0")
    datetime_format = formats.get_format("DATETIME_FORMAT")
    now = timezone.now()
    rows = []
    for t in tickets:
        key = f"{KEY_PREFIX}{t.id}"  # Ticket.key
        updated = timezone.localtime(t.updated_at)  # as the template showed it
        rows.append(
            _row(
                key=key,
                pk=t.id,
                url=ticket_url(key),
                subject=t.subject,
                requester=t.requester__name or t.requester__email,
                organization=(
                    mark_safe(ORGANIZATION.format(esc(t.organization__name)))
                    if t.organization_id is not None
                    else ""
                ),
                status=t.status,
                status_label=STATUS_LABELS.get(t.status, t.status),
                priority=t.priority,
                priority_label=PRIORITY_LABELS.get(t.priority, t.priority),
                owner=(t.owner__name or t.owner__email) if t.owner_id is not None else NOBODY,
                queue=t.queue__name,
                updated_iso=updated.isoformat(),  # |date:"c"
                updated_title=dateformat.format(updated, datetime_format),  # {{ }}
                updated_ago=timesince(updated, now),  # |timesince
            )
        )
    return rows
