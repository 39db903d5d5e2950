"""Full-text ticket search on a real database (SQLite FTS5 and PostgreSQL tsvector)."""

from __future__ import annotations

import io
import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import QuerySet

from deskpact.accounts.models import User
from deskpact.tickets import search, services
from deskpact.tickets.models import Message, Ticket
from deskpact.tickets.search import fts5_query, search_tickets, search_words, tsquery_term
from deskpact.tickets.selectors import tickets_visible_to

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def open_ticket(
    requester: User, subject: str, body: str = "Details follow.", *, at: datetime = T0
) -> Ticket:
    return services.open_ticket(
        requester=requester,
        submitter=requester,
        subject=subject,
        body=body,
        channel=Ticket.Channel.WEB,
        at=at,
    )


def found(user: User, q: str) -> list[str]:
    """Subjects of the tickets `user` finds with `q`, best first, as the portal or console."""
    rows = search_tickets(tickets_visible_to(user), q, include_internal=user.is_agent)
    return [ticket.subject for ticket in rows]


# --- Query words, no database -------------------------------------------------------------


def test_search_words_drop_punctuation_only_words_and_unsafe_characters() -> None:
    assert search_words('  printer "  * -- on\x00fire\ud800 ') == ["printer", "on", "fire"]
    assert search_words("a " * 50) == ["a"] * 10
    assert search_words("") == search_words(" \t\n") == search_words('"*()') == []


def test_fts5_query_quotes_every_word_and_prefixes_only_the_last() -> None:
    assert fts5_query(['say"hi', "NEAR(", "prin"], include_internal=True) == (
        '"say""hi" "NEAR(" "prin"*'
    )
    customer_query = fts5_query(["on"], include_internal=False)
    assert customer_query == '{subject body public_messages} : ("on")'


def test_tsquery_terms_are_quoted_with_only_quote_and_backslash_escaped() -> None:
    assert tsquery_term("it's", prefix=False) == "'it''s'"
    assert tsquery_term("a\\b", prefix=True) == "'a\\\\b':*"
    assert tsquery_term("(x & !y) <-> z:*", prefix=False) == "'(x & !y) <-> z:*'"


# --- Matching ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_subject_body_and_public_replies_match(customer: User, agent: User) -> None:
    open_ticket(customer, "Printer on fire")
    open_ticket(customer, "Login", "The VPN refuses my password")
    replied = open_ticket(customer, "Slow laptop")
    services.post_reply(replied, author=agent, body="Please send the invoice number")
    open_ticket(customer, "Unrelated")
    for user in (customer, agent):
        assert found(user, "printer") == ["Printer on fire"]
        assert found(user, "vpn password") == ["Login"]
        assert found(user, "invoice") == ["Slow laptop"]


@pytest.mark.django_db
def test_every_word_must_match(customer: User) -> None:
    open_ticket(customer, "Printer jam", "Paper stuck in tray two")
    open_ticket(customer, "Printer toner", "Toner empty")
    assert found(customer, "printer toner") == ["Printer toner"]
    assert found(customer, "toner paper") == []


@pytest.mark.django_db
def test_internal_notes_are_searched_only_for_agents(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Refund request", "Charged twice")
    services.post_note(ticket, author=agent, body="Customer is grumpy, escalate to finance")
    assert found(agent, "grumpy") == ["Refund request"]
    assert found(customer, "grumpy") == []
    everyone = Ticket.objects.all()
    assert list(search_tickets(everyone, "grumpy", include_internal=False)) == []
    # Not even combined with a public word of the same ticket.
    assert found(agent, "refund grumpy") == ["Refund request"]
    assert found(customer, "refund grumpy") == []
    assert found(customer, "refund") == ["Refund request"]


# --- Ranking --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_subject_and_body_rank_above_a_single_mention_in_a_reply(
    customer: User, agent: User
) -> None:
    mentioned = open_ticket(customer, "Monitor flickers", "Since Monday", at=T0)
    services.post_reply(mentioned, author=agent, body="Is the printer cable near it?")
    open_ticket(customer, "Printer offline", "The printer shows offline", at=T0 - timedelta(1))
    rows = list(search_tickets(tickets_visible_to(agent), "printer", include_internal=True))
    assert [t.subject for t in rows] == ["Printer offline", "Monitor flickers"]
    assert rows[0].search_rank > rows[1].search_rank  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_internal_notes_do_not_lift_a_customers_ranking(customer: User, agent: User) -> None:
    older = open_ticket(customer, "Printer one", "Printer broken", at=T0)
    services.post_note(older, author=agent, body="broken broken broken, truly broken")
    open_ticket(customer, "Printer two", "Printer broken", at=T0 + timedelta(1))
    assert found(customer, "broken") == ["Printer two", "Printer one"]  # a tie: newest first
    assert found(agent, "broken") == ["Printer one", "Printer two"]


@pytest.mark.django_db
def test_equal_matches_list_newest_first(customer: User) -> None:
    for day in (1, 3, 2):
        open_ticket(customer, f"Printer day {day}", "Printer broken", at=T0 + timedelta(day))
    assert found(customer, "broken") == ["Printer day 3", "Printer day 2", "Printer day 1"]


@pytest.mark.django_db
def test_results_paginate_as_a_queryset(customer: User) -> None:
    for n in range(5):
        open_ticket(customer, f"Printer {n}", at=T0 + timedelta(minutes=n))
    rows = search_tickets(tickets_visible_to(customer), "printer", include_internal=False)
    assert isinstance(rows, QuerySet) and rows.count() == 5
    assert [t.subject for t in rows[1:3]] == ["Printer 3", "Printer 2"]


@pytest.mark.django_db
def test_a_common_word_ranks_only_the_newest_matches(
    customer: User, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "MAX_RESULTS", 3)
    open_ticket(customer, "Printer printer printer", "Printer", at=T0)  # the best, but oldest
    for n in range(4):
        open_ticket(customer, f"Case {n}", "A printer", at=T0 + timedelta(n + 1))
    for user in (customer, agent):
        rows = search_tickets(tickets_visible_to(user), "printer", include_internal=user.is_agent)
        assert rows.count() == 3
        assert [t.subject for t in rows] == ["Case 3", "Case 2", "Case 1"]
    monkeypatch.setattr(search, "MAX_RESULTS", 5)
    assert found(customer, "printer")[0] == "Printer printer printer"


# --- Visibility -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_customer_never_finds_another_organizations_ticket(
    customer: User, other_customer: User, agent: User
) -> None:
    open_ticket(customer, "Printer at Acme")
    theirs = open_ticket(other_customer, "Printer at Globex", "Acme printer is better")
    services.post_reply(theirs, author=agent, body="printer printer printer")
    assert found(customer, "printer") == ["Printer at Acme"]
    assert found(customer, "globex") == []
    assert found(other_customer, "acme printer") == ["Printer at Globex"]
    assert sorted(found(agent, "printer")) == ["Printer at Acme", "Printer at Globex"]


@pytest.mark.django_db
def test_an_inactive_user_finds_nothing(customer: User) -> None:
    open_ticket(customer, "Printer")
    customer.is_active = False
    assert found(customer, "printer") == []


# --- Hostile and odd input ---------------------------------------------------------------------

HOSTILE = [
    '"',
    '""""',
    "a AND",
    "AND OR NOT",
    "*",
    "printer*",
    "-printer",
    "NEAR(",
    "NEAR(printer fire, 2)",
    "'; DROP TABLE tickets_ticket; --",
    "subject:printer",
    "{subject body} : printer",
    "printer)",
    "(printer",
    "^printer",
    "printer:*",
    "!printer & | <->",
    "\\",
    "x" * 500,
    "\x00printer\ud800",
    "café",
    "naïve 東京 Ünïcödé",
    "😀 printer",
]


@pytest.mark.django_db
@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_raise(customer: User, agent: User, q: str) -> None:
    ticket = open_ticket(customer, "Printer on fire", "Café crème spilled on it")
    services.post_note(ticket, author=agent, body="NEAR the * AND OR")
    for user in (customer, agent):
        rows = search_tickets(tickets_visible_to(user), q, include_internal=user.is_agent)
        assert len(list(rows)) <= 1 and rows.count() <= 1


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["", "   ", "\n\t", '" * - ( )'])
def test_a_query_without_words_returns_the_queryset_unchanged(customer: User, q: str) -> None:
    open_ticket(customer, "One")
    tickets = tickets_visible_to(customer)
    assert search_tickets(tickets, q, include_internal=False) is tickets


@pytest.mark.django_db
def test_accented_words_match_themselves(customer: User) -> None:
    open_ticket(customer, "Café machine", "The crème brûlée setting is broken")
    assert found(customer, "café") == ["Café machine"]
    assert found(customer, "brûlée crème") == ["Café machine"]


@pytest.mark.django_db
def test_email_addresses_and_numbers_are_searchable(customer: User) -> None:
    open_ticket(customer, "Bounce", "Mail to bob@globex.example fails with error 550")
    assert found(customer, "bob@globex.example") == ["Bounce"]
    assert found(customer, "550") == ["Bounce"]


# --- Stemming and prefixes -------------------------------------------------------------------


@pytest.mark.django_db
def test_words_match_their_stem_and_the_last_word_matches_as_a_prefix(customer: User) -> None:
    """Both databases stem English (Snowball on PostgreSQL, Porter on SQLite) on both sides,
    and treat the last word of 3+ letters or digits as a prefix (search as you type)."""
    open_ticket(customer, "Printers keep running out", "It smokes when printing")
    assert found(customer, "printer") == ["Printers keep running out"]  # printers -> printer
    assert found(customer, "runs") == ["Printers keep running out"]  # running, runs -> run
    assert found(customer, "print") == ["Printers keep running out"]  # prefix of printer
    assert found(customer, "smoke prin") == ["Printers keep running out"]
    # Only the last word is a prefix, and only from 3 characters.
    assert found(customer, "prin smoke") == []
    assert found(customer, "pr") == []


# --- The index follows every write ---------------------------------------------------------------


@pytest.mark.django_db
def test_new_replies_and_notes_become_searchable(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Slow laptop")
    assert found(agent, "firmware") == []
    services.post_reply(ticket, author=customer, body="Since the firmware update")
    services.post_note(ticket, author=agent, body="Known bug in batch 7731")
    assert found(customer, "firmware") == found(agent, "firmware") == ["Slow laptop"]
    assert found(agent, "7731") == ["Slow laptop"] and found(customer, "7731") == []


@pytest.mark.django_db
def test_edited_subjects_bodies_and_messages_are_reindexed(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Printer jam", "Tray two")
    reply = services.post_reply(ticket, author=agent, body="Try the wizard").message
    assert reply is not None
    ticket.subject, ticket.body = "Scanner jam", "Feeder"
    ticket.save()
    assert found(customer, "printer") == found(customer, "tray") == []
    assert found(customer, "scanner feeder") == ["Scanner jam"]
    Ticket.objects.filter(pk=ticket.pk).update(subject="Fax jam")
    assert found(customer, "fax") == ["Fax jam"] and found(customer, "scanner") == []
    Message.objects.filter(pk=reply.pk).update(body="Try the manual")
    assert found(customer, "wizard") == [] and found(customer, "manual") == ["Fax jam"]
    Message.objects.filter(pk=reply.pk).update(is_internal=True)
    assert found(customer, "manual") == [] and found(agent, "manual") == ["Fax jam"]
    reply.delete()
    assert found(agent, "manual") == []


@pytest.mark.django_db
def test_deleted_tickets_leave_the_index(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Printer jam")
    services.post_reply(ticket, author=agent, body="On my way")
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert found(agent, "printer") == []
    assert _index_size() == 0


@pytest.mark.django_db
def test_bulk_created_tickets_and_messages_are_indexed(customer: User, agent: User) -> None:
    queue = services.default_queue()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            queue=queue,
            subject=f"Imported {n}",
            body="From the old desk",
            channel=Ticket.Channel.EMAIL,
            requester=customer,
            submitter=customer,
            organization=customer.organization,
        )
        for n in range(3)
    )
    Message.objects.bulk_create(
        [
            Message(ticket=tickets[0], author=agent, body="legacy reply", channel="email"),
            Message(
                ticket=tickets[0], author=agent, body="legacy note", is_internal=True, channel="web"
            ),
            Message(ticket=tickets[1], author=agent, body="legacy reply", channel="email"),
        ]
    )
    assert sorted(found(customer, "imported legacy")) == ["Imported 0", "Imported 1"]
    assert found(customer, "note") == [] and found(agent, "note") == ["Imported 0"]
    assert _index_size() == 3


@pytest.mark.django_db
def test_a_conversation_past_the_index_limit_still_takes_replies(
    customer: User, agent: User
) -> None:
    """PostgreSQL's tsvector holds at most 1 MB: past it the ends of the conversation are
    indexed instead of the reply being refused. SQLite has no such limit."""
    ticket = open_ticket(customer, "Log dump", "Attached logs below")
    salt = secrets.token_hex(4)
    logs = [
        " ".join(f"{salt}{m:02x}{n:05x}" for n in range(5_500))  # ~5,500 unique words each
        for m in range(14)
    ]
    Message.objects.bulk_create(
        Message(ticket=ticket, author=customer, body=log, channel="web") for log in logs
    )
    services.post_reply(ticket, author=agent, body="Found the culprit: zebrafish")
    assert found(customer, "zebrafish") == ["Log dump"]
    assert found(customer, "log dump") == ["Log dump"]


@pytest.mark.django_db
def test_dumpdata_skips_the_derived_search_documents(customer: User) -> None:
    """Moving a desk (dumpdata, then loaddata elsewhere) rebuilds the index by trigger."""
    open_ticket(customer, "Printer")
    out = io.StringIO()
    call_command("dumpdata", "tickets", stdout=out)
    models = {row["model"] for row in json.loads(out.getvalue())}
    assert "tickets.ticket" in models and "tickets.ticketsearch" not in models


@pytest.mark.django_db
def test_the_search_triggers_are_installed() -> None:
    """SQLite drops a table's triggers when a migration remakes it (most AlterFields on
    tickets_ticket or tickets_message): such a migration must create them again."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    expected = (
        {
            "ticket_search_ticket_inserted",
            "ticket_search_ticket_changed",
            "ticket_search_ticket_deleted",
            "ticket_search_message_inserted",
            "ticket_search_message_changed",
            "ticket_search_message_deleted",
        }
        if connection.vendor == "sqlite"
        else {
            "ticket_search_ticket_inserted",
            "ticket_search_ticket_changed",
            "ticket_search_tickets_deleted",
            "ticket_search_tickets_truncated",
            "ticket_search_messages_inserted",
            "ticket_search_message_changed",
            "ticket_search_messages_deleted",
            "ticket_search_messages_truncated",
        }
    )
    assert expected <= names


@pytest.mark.django_db
def test_truncating_tickets_empties_the_index_on_postgresql(customer: User) -> None:
    """Test databases are flushed with TRUNCATE, which fires no row triggers."""
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    open_ticket(customer, "Printer")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending checks
        cursor.execute("TRUNCATE tickets_ticket CASCADE")
    assert _index_size() == 0


def _index_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ticket_search")
        return int(cursor.fetchone()[0])
