"""Sending stored OutgoingMail rows: once, with claims in the database, retried with back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.mail.models import OutgoingMail
from deskpact.mail.tasks import MAX_ATTEMPTS, resend_pending_mail, send_outgoing_mail
from deskpact.tickets import services
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class RefusingBackend:
    """A mail server that is down."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def queued(customer: User) -> OutgoingMail:
    """An acknowledgement stored but not sent (its task never ran: no commit hooks here)."""
    ticket = services.open_ticket(
        requester=customer,
        submitter=customer,
        subject="VPN drops",
        body="Every hour.",
        channel=Ticket.Channel.WEB,
    )
    return OutgoingMail.objects.get(ticket=ticket)


def test_a_stored_mail_is_sent_once_however_often_its_task_runs(queued: OutgoingMail) -> None:
    send_outgoing_mail.call(outgoing_id=queued.pk)
    send_outgoing_mail.call(outgoing_id=queued.pk)
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.attempts == 1 and queued.next_attempt_at is None


def test_a_mail_claimed_by_another_sender_is_left_to_it(queued: OutgoingMail) -> None:
    OutgoingMail.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=4), attempts=1
    )
    send_outgoing_mail.call(outgoing_id=queued.pk)
    assert mail.outbox == []
    queued.refresh_from_db()
    assert queued.sent_at is None and queued.attempts == 1


def test_a_refused_mail_keeps_the_error_and_waits_longer_after_each_failure(
    queued: OutgoingMail, settings: Any
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    waits = []
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(3):
            with pytest.raises(ConnectionRefusedError):
                send_outgoing_mail.call(outgoing_id=queued.pk)
            queued.refresh_from_db()
            assert queued.next_attempt_at is not None
            waits.append(queued.next_attempt_at - timezone.now())
            clock.move_to(queued.next_attempt_at)
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert queued.attempts == 3 and queued.sent_at is None
    assert queued.error == "ConnectionRefusedError: mail server down"


def test_the_sweep_resends_failed_and_orphaned_mail_but_not_fresh_or_sent_mail(
    customer: User, settings: Any
) -> None:
    def stored(**fields: Any) -> OutgoingMail:
        ticket = services.open_ticket(
            requester=customer, submitter=customer, subject="x", body="y", channel="web"
        )
        row = OutgoingMail.objects.get(ticket=ticket)
        OutgoingMail.objects.filter(pk=row.pk).update(**fields)
        return row

    with time_machine.travel(NOW, tick=False):
        now = timezone.now()
        orphaned = stored(created_at=now - timedelta(minutes=3))
        failed_due = stored(attempts=2, next_attempt_at=now - timedelta(seconds=1))
        fresh = stored(created_at=now - timedelta(seconds=30))
        claimed = stored(attempts=1, next_attempt_at=now + timedelta(minutes=3))
        given_up = stored(attempts=MAX_ATTEMPTS, next_attempt_at=now - timedelta(hours=1))
        sent = stored(created_at=now - timedelta(hours=1), sent_at=now - timedelta(hours=1))
        assert resend_pending_mail.call() == 2
    sent_now = set(OutgoingMail.objects.filter(sent_at__gte=NOW).values_list("pk", flat=True))
    assert sent_now == {orphaned.pk, failed_due.pk}
    for row in (fresh, claimed, given_up):
        row.refresh_from_db()
        assert row.sent_at is None
    sent.refresh_from_db()
    assert sent.attempts == 0  # never touched again
