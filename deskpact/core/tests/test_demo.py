"""`deskpact demo` loads a usable desk, and loading it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from deskpact.accounts.models import Organization, OrganizationDomain, User
from deskpact.core.models import AuditEntry
from deskpact.demo import DEMO_PASSWORD
from deskpact.tickets.models import Message, Queue, Ticket


def _counts() -> tuple[int, ...]:
    return (
        Organization.objects.count(),
        OrganizationDomain.objects.count(),
        User.objects.count(),
        Queue.objects.count(),
        Ticket.objects.count(),
        Message.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_demo_twice_changes_nothing() -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    first = _counts()
    assert first[:6] == (2, 2, 4, 2, 3, 3)
    call_command("demo", stdout=out)
    assert _counts() == first
    assert "already loaded" in out.getvalue()


@pytest.mark.django_db
def test_demo_people_can_sign_in_with_the_printed_password(client: Client) -> None:
    call_command("demo", stdout=StringIO())
    agent = User.objects.get(email="agent@deskpact.example")
    assert agent.check_password(DEMO_PASSWORD) and agent.is_agent
    response = client.post("/login/", {"username": agent.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
