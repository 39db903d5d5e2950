"""The public web form: strangers become contacts, bots and floods are held off, bad input
is refused on its field, and nothing is half-saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.core.models import AuditEntry
from deskpact.testing.factories import QueueFactory, UserFactory
from deskpact.tickets.models import Queue, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(db: None) -> Queue:
    return QueueFactory.create(name="Support", slug="support", is_default=True)


def form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Carol",
        "email": "carol@acme.example",
        "subject": "Cannot log in",
        "body": "Since this morning the password is refused.",
        "website": "",
        **overrides,
    }


def post(client: Client, url: str = "/submit/support/", **overrides: str) -> Any:
    return client.post(url, form(**overrides), REMOTE_ADDR="203.0.113.7")


def nothing_stored() -> bool:
    return (
        not Ticket.objects.exists() and not User.objects.filter(email__startswith="carol").exists()
    )


def test_the_form_is_open_without_signing_in(client: Client, queue: Queue) -> None:
    page = client.get("/submit/support/").content.decode()
    assert "Contact Support" in page
    for label in ("Your name", "Your email", "Subject", "Describe the problem"):
        assert label in page
    assert 'autocomplete="email"' in page


def test_submit_without_a_queue_uses_the_default_queue(client: Client, queue: Queue) -> None:
    QueueFactory.create(name="Billing", slug="billing")
    response = post(client, url="/submit/")
    ticket = Ticket.objects.get()
    assert ticket.queue == queue
    assert response["Location"].startswith("/submit/support/thanks/?receipt=")


def test_a_new_sender_becomes_a_contact_of_their_organization_and_gets_a_password_link(
    client: Client, queue: Queue, acme: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client)
    carol = User.objects.get(email="carol@acme.example")
    assert (carol.name, carol.role, carol.organization) == ("Carol", "user", acme)
    assert not carol.has_usable_password()
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.submitter, ticket.queue) == (carol, carol, queue)
    assert (ticket.channel, ticket.organization) == ("web", acme)

    [ack] = mail.outbox
    assert ack.to == ["carol@acme.example"] and ticket.key in ack.subject
    assert "choose a password" in ack.body and "/password-reset/" in ack.body

    thanks = client.get(response["Location"]).content.decode()
    assert f'data-testid="ticket-key">{ticket.key}<' in thanks


def test_a_known_sender_gets_no_password_link(
    client: Client, queue: Queue, customer: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client, email="ALICE@acme.example")
    assert Ticket.objects.get().requester == customer
    [ack] = mail.outbox
    assert "/password-reset/" not in ack.body


def test_the_submission_is_audited_with_the_senders_ip(client: Client, queue: Queue) -> None:
    post(client)
    entry = AuditEntry.objects.get(action="ticket.web_form_submitted")
    assert entry.ip_address == "203.0.113.7"
    assert entry.object_id == str(Ticket.objects.get().pk)


def test_a_forged_receipt_shows_no_ticket_key(client: Client, queue: Queue) -> None:
    page = client.get("/submit/support/thanks/?receipt=DP-1:forged").content.decode()
    assert "Thank you" in page and "ticket-key" not in page


def test_a_filled_honeypot_pretends_success_and_stores_nothing(
    client: Client, queue: Queue, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == "/submit/support/thanks/"
    assert nothing_stored() and mail.outbox == []
    assert client.get(response["Location"]).status_code == 200


def test_the_honeypot_is_hidden_from_people_and_screen_readers(
    client: Client, queue: Queue
) -> None:
    page = client.get("/submit/support/").content.decode()
    assert '<div class="portal-hp" aria-hidden="true">' in page
    assert 'name="website"' in page and 'tabindex="-1"' in page


def test_a_disabled_or_unknown_queue_has_no_form(client: Client, queue: Queue) -> None:
    QueueFactory.create(name="Internal", slug="internal", web_form_enabled=False)
    assert client.get("/submit/internal/").status_code == 404
    assert post(client, url="/submit/internal/").status_code == 404
    assert client.get("/submit/internal/thanks/").status_code == 404
    assert client.get("/submit/nope/").status_code == 404
    assert nothing_stored()


def test_a_disabled_default_queue_closes_the_bare_submit_url(client: Client) -> None:
    QueueFactory.create(name="Support", slug="support", is_default=True, web_form_enabled=False)
    assert client.get("/submit/").status_code == 404


def test_the_per_address_limit_answers_429_and_stores_nothing(
    client: Client, queue: Queue, settings: Any
) -> None:
    settings.DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR = 2
    for n in range(2):
        assert post(client, subject=f"Request {n}").status_code == 302
    response = post(client, subject="One too many")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    page = response.content.decode()
    assert "carol@acme.example has sent 2 requests in the last hour" in page
    assert "One too many" in page  # what they typed is still in the form
    assert Ticket.objects.count() == 2
    assert post(client, email="dave@acme.example").status_code == 302  # others still pass


def test_the_per_address_limit_ignores_letter_case(
    client: Client, queue: Queue, settings: Any
) -> None:
    settings.DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR = 1
    assert post(client, email="carol@acme.example").status_code == 302
    assert post(client, email="Carol@ACME.example").status_code == 429


def test_the_per_address_limit_lifts_after_an_hour(
    client: Client, queue: Queue, settings: Any
) -> None:
    settings.DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert post(client).status_code == 302
        assert post(client).status_code == 429
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert post(client).status_code == 302


def test_the_per_ip_limit_answers_429_across_addresses(
    client: Client, queue: Queue, settings: Any
) -> None:
    settings.DESKPACT_WEB_FORM_PER_IP_PER_HOUR = 2
    assert post(client, email="a@acme.example").status_code == 302
    assert post(client, email="b@acme.example").status_code == 302
    response = post(client, email="c@acme.example")
    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    assert not User.objects.filter(email="c@acme.example").exists()
    other = client.post(
        "/submit/support/", form(email="c@acme.example"), REMOTE_ADDR="198.51.100.1"
    )
    assert other.status_code == 302


def test_a_forwarded_for_header_does_not_dodge_the_ip_limit_without_a_proxy(
    client: Client, queue: Queue, settings: Any
) -> None:
    settings.DESKPACT_WEB_FORM_PER_IP_PER_HOUR = 1
    settings.AXES_IPWARE_PROXY_COUNT = None
    assert post(client, email="a@acme.example").status_code == 302
    response = client.post(
        "/submit/support/",
        form(email="b@acme.example"),
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


def test_behind_one_proxy_the_forwarded_address_counts(
    client: Client, queue: Queue, settings: Any
) -> None:
    settings.DESKPACT_WEB_FORM_PER_IP_PER_HOUR = 1
    settings.AXES_IPWARE_PROXY_COUNT = 1
    for n, forwarded in enumerate(["spoofed, 192.0.2.1", "spoofed, 192.0.2.2"]):
        response = client.post(
            "/submit/support/",
            form(email=f"p{n}@acme.example"),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )
        assert response.status_code == 302
    submissions = AuditEntry.objects.filter(action="ticket.web_form_submitted")
    assert set(submissions.values_list("ip_address", flat=True)) == {
        "192.0.2.1",
        "192.0.2.2",
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "subject", "This field is required."),
        ({"subject": "  "}, "subject", "This field is required."),
        ({"body": ""}, "body", "This field is required."),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": "a@b@c.example"}, "email", "Enter a valid email address."),
        ({"subject": "S" * 201}, "subject", "at most 200 characters"),
        ({"body": "nul \x00 byte"}, "body", "Null characters are not allowed."),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_stored(
    client: Client, queue: Queue, overrides: dict[str, str], field: str, message: str
) -> None:
    response = post(client, **overrides)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert nothing_stored()


def test_a_deactivated_address_is_refused_without_creating_anything(
    client: Client, queue: Queue
) -> None:
    UserFactory.create(email="carol@acme.example", is_active=False)
    response = post(client)
    assert response.status_code == 200
    assert "This address cannot open requests here" in response.content.decode()
    assert not Ticket.objects.exists() and not AuditEntry.objects.exists()


def test_a_10_mb_subject_gets_a_clear_400_page_and_stores_nothing(
    queue: Queue,
) -> None:
    client = Client(enforce_csrf_checks=True)  # as a browser: the CSRF check reads the body
    token = client.get("/submit/support/").context["csrf_token"]
    response = client.post(
        "/submit/support/",
        {**form(subject="x" * (10 * 1024 * 1024)), "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Your message is too large" in page and "at most 200 characters" in page
    assert nothing_stored()


def test_the_public_form_still_checks_csrf(queue: Queue) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/submit/support/", form()).status_code == 403
    assert nothing_stored()


def test_script_in_the_body_is_stored_verbatim_and_shown_escaped(
    client: Client, queue: Queue
) -> None:
    script = '<script>document.location="https://evil.example"</script>'
    post(client, body=script, name="<b>Carol</b>")
    ticket = Ticket.objects.get()
    assert ticket.body == script
    client.force_login(ticket.requester)
    page = client.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert script not in page and "<b>Carol</b>" not in page
    assert "&lt;script&gt;document.location=" in page


def test_get_only_and_post_are_allowed(client: Client, queue: Queue) -> None:
    assert client.put("/submit/support/").status_code == 405
    assert client.post("/submit/support/thanks/").status_code == 405


def test_with_every_team_seat_taken_a_new_sender_is_told_to_write_or_call(
    client: Client, queue: Queue, issue_key: Any
) -> None:
    from deskpact.licensing import services

    services.install_license(issue_key(model="team", seats=1), by=None)
    UserFactory.create(role=User.Role.AGENT)  # the one seat
    response = post(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We cannot take requests from new addresses here right now" in html
    assert "named seats" not in html  # the seat count is for admins
    assert nothing_stored()
