"""Queued work runs only after its transaction commits, never for a rolled-back change."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from deskpact.accounts.tasks import send_account_email
from deskpact.core.tasks import enqueue


@pytest.mark.django_db(transaction=True)
def test_enqueued_task_runs_after_commit() -> None:
    with transaction.atomic():
        enqueue(send_account_email, subject="Hi", body="Body", to="a@example.com")
        assert mail.outbox == []  # not yet: the transaction could still roll back
    assert [m.subject for m in mail.outbox] == ["Hi"]
    assert mail.outbox[0].to == ["a@example.com"]


@pytest.mark.django_db(transaction=True)
def test_enqueued_task_is_dropped_when_the_transaction_rolls_back() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        enqueue(send_account_email, subject="Hi", body="Body", to="a@example.com")
        raise Boom
    assert mail.outbox == []
