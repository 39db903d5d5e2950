"""The customer portal: list, submit, read, reply and rate, through real requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deskpact.accounts.models import Organization, User
from deskpact.testing.factories import TicketFactory, UserFactory
from deskpact.tickets import services
from deskpact.tickets.models import Attachment, Message, Rating, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed_in(client: Client, customer: User) -> Client:
    client.force_login(customer)
    return client


def open_ticket(user: User, subject: str = "Printer on fire", **kwargs: Any) -> Ticket:
    return services.open_ticket(
        requester=user, submitter=user, subject=subject, body="It smokes.", channel="web", **kwargs
    )


def resolved_ticket(customer: User, agent: User) -> Ticket:
    ticket = open_ticket(customer)
    services.post_reply(ticket, author=agent, body="Unplug it and plug it back in.")
    return services.change_status(ticket, to=Ticket.Status.RESOLVED, by=agent)


# --- The list ----------------------------------------------------------------------------


def test_an_empty_portal_invites_a_first_ticket(signed_in: Client) -> None:
    page = signed_in.get("/portal/").content.decode()
    assert 'data-testid="no-tickets"' in page
    assert 'href="/portal/tickets/new/"' in page


def test_the_list_shows_open_tickets_first_then_the_most_recent(
    signed_in: Client, customer: User, agent: User
) -> None:
    closed = open_ticket(customer, "Old and done")
    services.change_status(closed, to=Ticket.Status.CLOSED, by=agent)
    older_open = open_ticket(customer, "Older but open")
    newer_open = open_ticket(customer, "Newer and open")
    page = signed_in.get("/portal/").content.decode()
    positions = [page.index(t.subject) for t in (newer_open, older_open, closed)]
    assert positions == sorted(positions)


def test_the_status_filter_narrows_the_list(signed_in: Client, customer: User, agent: User) -> None:
    done = open_ticket(customer, "Finished business")
    services.change_status(done, to=Ticket.Status.CLOSED, by=agent)
    open_ticket(customer, "Ongoing business")
    page = signed_in.get("/portal/?status=closed").content.decode()
    assert "Finished business" in page and "Ongoing business" not in page
    page = signed_in.get("/portal/?status=open").content.decode()
    assert "Ongoing business" in page and "Finished business" not in page


def test_an_unknown_status_filter_shows_everything(signed_in: Client, customer: User) -> None:
    open_ticket(customer, "Anything at all")
    response = signed_in.get("/portal/?status=<script>&scope=nonsense")
    assert response.status_code == 200
    assert "Anything at all" in response.content.decode()


def test_search_finds_tickets_by_subject_and_says_when_nothing_matches(
    signed_in: Client, customer: User
) -> None:
    open_ticket(customer, "Printer jams")
    open_ticket(customer, "Invoice missing")
    page = signed_in.get("/portal/?q=printer").content.decode()
    assert "Printer jams" in page and "Invoice missing" not in page
    page = signed_in.get("/portal/?q=zebra").content.decode()
    assert 'data-testid="no-match"' in page and "zebra" in page


def test_the_list_is_paginated_and_keeps_its_filters(signed_in: Client, customer: User) -> None:
    TicketFactory.create_batch(25, requester=customer, subject="Batch ticket")
    page = signed_in.get("/portal/?status=open").content.decode()
    assert page.count("Batch ticket") == 20
    assert "Page 1 of 2" in page and "?status=open&amp;page=2" in page
    page = signed_in.get("/portal/?status=open&page=2").content.decode()
    assert page.count("Batch ticket") == 5


def test_an_htmx_filter_gets_only_the_list(signed_in: Client, customer: User) -> None:
    open_ticket(customer, "Printer jams")
    response = signed_in.get("/portal/?q=printer", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Printer jams" in body and "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_the_organization_tab_appears_only_when_the_organization_shares_tickets(
    signed_in: Client, customer: User, acme: Organization
) -> None:
    colleague = UserFactory.create(email="carl@acme.example", organization=acme)
    open_ticket(colleague, "Problem of Carl")
    page = signed_in.get("/portal/?scope=organization").content.decode()
    assert 'data-testid="org-tab"' not in page and "Problem of Carl" not in page
    acme.shares_tickets = True
    acme.save()
    assert "Problem of Carl" not in signed_in.get("/portal/").content.decode()
    page = signed_in.get("/portal/?scope=organization").content.decode()
    assert 'data-testid="org-tab"' in page and "Problem of Carl" in page
    assert "Requested by" in page


@pytest.mark.parametrize("scope", ["mine", "organization"])
def test_the_list_costs_the_same_queries_for_3_or_30_tickets(
    signed_in: Client, customer: User, acme: Organization, scope: str
) -> None:
    acme.shares_tickets = True
    acme.save()

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(f"/portal/?scope={scope}").status_code == 200
        return len(captured)

    TicketFactory.create_batch(3, requester=customer)
    with_3 = queries_for_list()
    TicketFactory.create_batch(27, requester=customer)
    assert queries_for_list() == with_3
    assert with_3 <= 8


def test_the_ticket_page_costs_the_same_queries_for_2_or_12_messages(
    signed_in: Client, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, attachments=[SimpleUploadedFile("a.txt", b"a")])

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(f"/portal/tickets/{ticket.key}/").status_code == 200
        return len(captured)

    def add_messages(count: int) -> None:
        for n in range(count):
            author = agent if n % 2 else customer
            upload = SimpleUploadedFile(f"m{n}.txt", b"m")
            services.post_reply(ticket, author=author, body=f"Message {n}", attachments=[upload])
        services.post_note(ticket, author=agent, body="A note")

    add_messages(2)
    with_2 = queries_for_page()
    add_messages(10)
    assert queries_for_page() == with_2


def test_agents_are_sent_to_the_console(client: Client, agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    client.force_login(agent)
    assert client.get("/portal/")["Location"] == "/console/"
    assert client.get(f"/portal/tickets/{ticket.key}/")["Location"] == (
        f"/console/tickets/{ticket.key}/"
    )


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, customer: User) -> None:
    ticket = open_ticket(customer)
    for url in ("/portal/", "/portal/tickets/new/", f"/portal/tickets/{ticket.key}/"):
        assert client.get(url)["Location"].startswith("/login/?next=")


# --- Submitting --------------------------------------------------------------------------


def test_a_customer_submits_a_ticket_with_attachments(
    signed_in: Client, customer: User, django_capture_on_commit_callbacks: Any
) -> None:
    files = [
        SimpleUploadedFile("error.log", b"Traceback...", content_type="text/plain"),
        SimpleUploadedFile("screen.png", b"\x89PNG fake", content_type="image/png"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            "/portal/tickets/new/",
            {
                "subject": "Crash on save",
                "body": "See the log.",
                "priority": "high",
                "attachments": files,
            },
        )
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/portal/tickets/{ticket.key}/"
    assert (ticket.requester, ticket.submitter) == (customer, customer)
    assert (ticket.channel, ticket.priority, ticket.organization) == (
        "web",
        "high",
        customer.organization,
    )
    stored = Attachment.objects.filter(message__ticket=ticket).order_by("filename")
    assert [(a.filename, a.size) for a in stored] == [("error.log", 12), ("screen.png", 9)]
    [ack] = mail.outbox
    assert ticket.key in ack.subject
    page = signed_in.get(response["Location"]).content.decode()
    assert "Crash on save" in page and "See the log." in page
    assert page.count("See the log.") == 1  # the opening text once, its files beneath it
    assert f'href="/attachments/{stored[0].pk}/"' in page


def test_a_ticket_without_a_priority_gets_normal(signed_in: Client) -> None:
    signed_in.post("/portal/tickets/new/", {"subject": "Hello", "body": "A question."})
    assert Ticket.objects.get().priority == "normal"


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"subject": "", "body": "Body"}, "This field is required."),
        ({"subject": "   ", "body": "Body"}, "This field is required."),
        ({"subject": "S" * 201, "body": "Body"}, "at most 200 characters"),
        ({"subject": "Subject", "body": ""}, "This field is required."),
        ({"subject": "Subject", "body": "B", "priority": "apocalyptic"}, "Select a valid choice"),
    ],
)
def test_bad_input_shows_field_errors_and_saves_nothing(
    signed_in: Client, data: dict[str, str], field_error: str
) -> None:
    response = signed_in.post("/portal/tickets/new/", data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert Ticket.objects.count() == 0


def test_an_attachment_over_the_limit_is_refused_on_its_field(
    signed_in: Client, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1000
    big = SimpleUploadedFile("huge.bin", b"x" * 1001)
    small = SimpleUploadedFile("small.txt", b"fine")
    response = signed_in.post(
        "/portal/tickets/new/", {"subject": "S", "body": "B", "attachments": [small, big]}
    )
    page = response.content.decode().replace("\xa0", " ")  # filesizeformat's no-break space
    assert response.status_code == 200
    assert "huge.bin is 1001 bytes; attachments may be at most 1000 bytes each." in page
    assert "small.txt" not in page
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_more_than_ten_attachments_are_refused(signed_in: Client) -> None:
    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(11)]
    response = signed_in.post(
        "/portal/tickets/new/", {"subject": "S", "body": "B", "attachments": files}
    )
    assert "Attach at most 10 files" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_10_mb_subject_gets_a_clear_400_page_even_with_csrf_checks(
    customer: User,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    form = client.get("/portal/tickets/new/")
    token = form.context["csrf_token"]
    response = client.post(
        "/portal/tickets/new/",
        {"csrfmiddlewaretoken": str(token), "subject": "x" * (10 * 1024 * 1024), "body": "b"},
    )
    assert response.status_code == 400
    assert "Your message is too large" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_the_portal_still_refuses_a_post_without_csrf_token(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post("/portal/tickets/new/", {"subject": "S", "body": "B"})
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_script_in_a_body_is_stored_verbatim_and_shown_escaped(
    signed_in: Client,
) -> None:
    script = "<script>alert('x')</script>"
    signed_in.post("/portal/tickets/new/", {"subject": f"Hi {script}", "body": script})
    ticket = Ticket.objects.get()
    assert ticket.body == script and ticket.subject == f"Hi {script}"
    page = signed_in.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


# --- One ticket ----------------------------------------------------------------------------


def test_the_page_shows_the_public_conversation_and_the_support_team(
    signed_in: Client, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    services.post_reply(ticket, author=agent, body="We are on it.")
    page = signed_in.get(f"/portal/tickets/{ticket.key.lower()}/").content.decode()
    assert "It smokes." in page and "We are on it." in page
    assert "Support team" in page and "In progress" in page


def test_a_customer_reply_reopens_a_pending_ticket(
    signed_in: Client, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    services.change_status(ticket, to=Ticket.Status.PENDING, by=agent)
    response = signed_in.post(
        f"/portal/tickets/{ticket.key}/reply/",
        {
            "body": "Here is the serial number.",
            "attachments": [SimpleUploadedFile("serial.txt", b"SN-1")],
        },
    )
    message = Message.objects.get(body="Here is the serial number.")
    assert response["Location"] == f"/portal/tickets/{ticket.key}/#m-{message.pk}"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert message.attachments.get().filename == "serial.txt"
    assert not message.is_internal and message.author == customer


def test_an_empty_reply_is_refused_on_its_field(signed_in: Client, customer: User) -> None:
    ticket = open_ticket(customer)
    response = signed_in.post(f"/portal/tickets/{ticket.key}/reply/", {"body": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Message.objects.count() == 0


def test_a_reply_to_a_closed_ticket_opens_a_follow_up_and_goes_there(
    signed_in: Client, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    services.change_status(ticket, to=Ticket.Status.CLOSED, by=agent)
    page = signed_in.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert "opens a new ticket that follows this one" in page
    response = signed_in.post(f"/portal/tickets/{ticket.key}/reply/", {"body": "It is back."})
    follow_up = Ticket.objects.get(follows=ticket)
    assert response["Location"] == f"/portal/tickets/{follow_up.key}/"
    page = signed_in.get(response["Location"]).content.decode()
    assert f"{ticket.key} was already closed" in page and "It is back." in page
    assert f'href="/portal/tickets/{ticket.key}/"' in page  # "Follows"
    assert (
        f'href="/portal/tickets/{follow_up.key}/"'
        in signed_in.get(f"/portal/tickets/{ticket.key}/").content.decode()
    )


# --- Rating --------------------------------------------------------------------------------


def test_a_resolved_ticket_offers_the_rating_form_and_takes_a_rating(
    signed_in: Client, customer: User, agent: User
) -> None:
    ticket = resolved_ticket(customer, agent)
    page = signed_in.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert 'id="rate"' in page and 'data-testid="rating-form"' in page
    response = signed_in.post(
        f"/portal/tickets/{ticket.key}/rate/", {"score": "4", "comment": "Quick, thanks"}
    )
    assert response["Location"] == f"/portal/tickets/{ticket.key}/#rate"
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.rated_by) == (4, "Quick, thanks", customer)
    page = signed_in.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert 'data-testid="rating-form"' not in page
    assert "You rated this resolution 4 out of 5" in page


def test_a_second_rating_of_the_same_resolution_is_refused_with_a_reason(
    signed_in: Client, customer: User, agent: User
) -> None:
    ticket = resolved_ticket(customer, agent)
    signed_in.post(f"/portal/tickets/{ticket.key}/rate/", {"score": "5"})
    response = signed_in.post(f"/portal/tickets/{ticket.key}/rate/", {"score": "1"})
    assert "rated already" in response.content.decode()
    assert Rating.objects.get().score == 5


@pytest.mark.parametrize("score", ["0", "6", "", "five"])
def test_a_score_outside_1_to_5_is_refused(
    signed_in: Client, customer: User, agent: User, score: str
) -> None:
    ticket = resolved_ticket(customer, agent)
    response = signed_in.post(f"/portal/tickets/{ticket.key}/rate/", {"score": score})
    assert response.status_code == 200
    assert Rating.objects.count() == 0


def test_an_open_ticket_has_no_rating_form_and_refuses_a_rating(
    signed_in: Client, customer: User
) -> None:
    ticket = open_ticket(customer)
    assert 'id="rate"' not in signed_in.get(f"/portal/tickets/{ticket.key}/").content.decode()
    response = signed_in.post(f"/portal/tickets/{ticket.key}/rate/", {"score": "5"})
    assert "Only a resolved ticket can be rated." in response.content.decode()
    assert Rating.objects.count() == 0


def test_only_the_requester_rates_even_when_colleagues_see_the_ticket(
    client: Client, customer: User, agent: User, acme: Organization
) -> None:
    acme.shares_tickets = True
    acme.save()
    colleague = UserFactory.create(email="carl@acme.example", organization=acme)
    ticket = resolved_ticket(customer, agent)
    client.force_login(colleague)
    page = client.get(f"/portal/tickets/{ticket.key}/").content.decode()
    assert 'data-testid="rating-form"' not in page
    response = client.post(f"/portal/tickets/{ticket.key}/rate/", {"score": "1"})
    assert "Only the requester rates a ticket." in response.content.decode()
    assert Rating.objects.count() == 0
