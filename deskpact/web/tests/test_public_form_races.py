"""Two submissions from one address at the same moment count one after the other."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from deskpact.accounts.models import User
from deskpact.testing.factories import QueueFactory
from deskpact.tickets.models import Ticket
from deskpact.tickets.web_form import WebFormLimited, submit_web_form


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_cannot_both_pass_the_address_limit(
    settings: Any, customer: User
) -> None:
    settings.DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR = 1
    queue = QueueFactory.create(slug="support", is_default=True)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(n: int) -> None:
        try:
            start.wait()
            submit_web_form(
                queue,
                email=customer.email,
                name="",
                subject=f"Same time {n}",
                body="b",
                ip_address=f"192.0.2.{n}",
            )
            outcomes.append("opened")
        except WebFormLimited:
            outcomes.append("limited")
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=submit, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["limited", "opened"]
    assert Ticket.objects.count() == 1
