"""PreparedLookup gives exactly what its QuerySet gives, compiled once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from deskpact.accounts.models import ApiToken, Organization, User
from deskpact.accounts.services import issue_api_token
from deskpact.core.prepared import PreparedLookup, PreparedUpdate, PreparedValues
from deskpact.mail.models import OutgoingMail
from deskpact.testing.factories import TicketFactory

pytestmark = pytest.mark.django_db

TOKENS: PreparedLookup[ApiToken] = PreparedLookup(
    lambda key_hash: ApiToken.objects.select_related("user", "user__organization").filter(
        key_hash=key_hash
    ),
    "key_hash",
)


def test_the_lookup_gives_the_rows_and_related_rows_the_queryset_gives(
    customer: User, acme: Organization
) -> None:
    token, _ = issue_api_token(customer, name="laptop")
    found = TOKENS.first(key_hash=token.key_hash)
    expected = ApiToken.objects.select_related("user__organization").get(pk=token.pk)
    assert found is not None and found.pk == token.pk
    for name in ("key_hash", "prefix", "name", "created_at", "last_used_at", "user_id"):
        assert getattr(found, name) == getattr(expected, name)
    with CaptureQueriesContext(connection) as ctx:  # related rows came with it
        assert found.user.email == "alice@acme.example"
        assert found.user.organization == acme and found.user.organization.name == "Acme"
        assert found.user.password_changed_at == expected.user.password_changed_at
    assert ctx.captured_queries == []


def test_each_call_runs_one_statement_with_its_own_value(customer: User, agent: User) -> None:
    first, _ = issue_api_token(customer, name="one")
    second, _ = issue_api_token(agent, name="two")
    TOKENS.first(key_hash=first.key_hash)
    with CaptureQueriesContext(connection) as ctx:
        a = TOKENS.first(key_hash=first.key_hash)
        b = TOKENS.first(key_hash=second.key_hash)
        missing = TOKENS.first(key_hash="0" * 64)
    assert len(ctx.captured_queries) == 3
    assert a is not None and a.user == customer
    assert b is not None and b.user == agent and b.user.organization is None
    assert missing is None


def test_a_value_the_query_transforms_is_refused_when_compiled(customer: User) -> None:
    # icontains wraps its value in %…%: the marker does not reach SQL unchanged.
    by_email: PreparedLookup[User] = PreparedLookup(
        lambda email: User.objects.filter(email__icontains=email), "email"
    )
    with pytest.raises(ValueError, match="every value must appear"):
        by_email.first(email="alice")


# An OutgoingMail row is a table with text, integer and time columns and no side effects.
def _mail(ticket_id: int, message_id: str, created: datetime) -> OutgoingMail:
    return OutgoingMail.objects.create(
        ticket_id=ticket_id,
        kind=OutgoingMail.Kind.REPLY,
        to_email="bob@example.com",
        message_id=message_id,
        created_at=created,
    )


EARLIER = PreparedValues(
    lambda ticket, before: (
        OutgoingMail.objects.filter(ticket_id=ticket, created_at__lte=before)
        .order_by("created_at", "id")
        .values_list("message_id", "created_at")
    ),
    "ticket",
    "before",
    ints=("ticket",),
    datetimes=("before",),
)
MARK_SENT = PreparedUpdate(
    lambda pk, at: (
        OutgoingMail.objects.filter(pk=pk, sent_at__isnull=True),
        {"sent_at": at, "attempts": F("attempts") + 1},
    ),
    "pk",
    "at",
    ints=("pk",),
    datetimes=("at",),
)


def test_values_are_the_rows_the_queryset_gives_with_times_compared_exactly(
    customer: User,
) -> None:
    ticket = TicketFactory.create(requester=customer)
    noon = datetime(2026, 11, 3, 12, 0, 0, 250_000, tzinfo=UTC)
    for minutes in (0, 1, 2):
        _mail(ticket.pk, f"<{minutes}@desk>", noon + timedelta(minutes=minutes))
    before = noon + timedelta(minutes=1)  # the row at exactly this moment is included
    expected = list(
        OutgoingMail.objects.filter(ticket=ticket, created_at__lte=before)
        .order_by("created_at", "id")
        .values_list("message_id", "created_at")
    )
    assert EARLIER.rows(ticket=ticket.pk, before=before) == expected
    assert [row[0] for row in expected] == ["<0@desk>", "<1@desk>"]
    assert expected[1][1] == before and expected[1][1].tzinfo is not None
    assert EARLIER.rows(ticket=ticket.pk, before=noon - timedelta(microseconds=1)) == []


def test_an_update_changes_only_matching_rows_and_says_how_many(customer: User) -> None:
    ticket = TicketFactory.create(requester=customer)
    now = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
    mail = _mail(ticket.pk, "<a@desk>", now)
    other = _mail(ticket.pk, "<b@desk>", now)
    sent = now + timedelta(seconds=5)
    assert MARK_SENT.run(pk=mail.pk, at=sent) == 1
    assert MARK_SENT.run(pk=mail.pk, at=sent + timedelta(hours=1)) == 0  # no longer unsent
    mail.refresh_from_db()
    other.refresh_from_db()
    assert (mail.sent_at, mail.attempts) == (sent, 1)
    assert (other.sent_at, other.attempts) == (None, 0)
