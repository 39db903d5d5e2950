"""Sessions and tokens: signing in, reset by email, ending sessions on purpose."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from rest_framework.exceptions import AuthenticationFailed

from deskpact.accounts import services
from deskpact.accounts.authentication import ApiTokenAuthentication
from deskpact.accounts.models import ApiToken, User, UserSession
from deskpact.accounts.tests.conftest import NEW_PASSWORD, change_password, sign_in
from deskpact.core.models import AuditEntry

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def is_signed_in(client: Client) -> bool:
    return client.get("/account/").status_code == 200


def token_works(key: str) -> bool:
    try:
        ApiTokenAuthentication().authenticate_credentials(key)
    except AuthenticationFailed:
        return False
    return True


# Signing in ------------------------------------------------------------------------------


def test_signing_in_gives_the_browser_a_new_session_key(
    client: Client, customer: User, password: str
) -> None:
    before = client.session.session_key  # an anonymous session planted before sign-in
    assert before is not None

    sign_in(client, customer.email, password)

    after = client.session.session_key
    assert after is not None and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.get(session_key=after).user == customer


def test_signing_in_records_where_the_session_comes_from(customer: User, password: str) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox/140")
    sign_in(client, customer.email, password)

    row = UserSession.objects.get(user=customer)
    assert (row.ip_address, row.user_agent) == ("203.0.113.9", "Firefox/140")


def test_the_email_is_case_insensitive_at_sign_in(
    client: Client, customer: User, password: str
) -> None:
    assert sign_in(client, "ALICE@Acme.Example", password).status_code == 302
    assert is_signed_in(client)


def test_an_inactive_person_cannot_sign_in(client: Client, customer: User, password: str) -> None:
    User.objects.filter(pk=customer.pk).update(is_active=False)

    response = sign_in(client, customer.email, password)

    assert response.status_code == 200
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_sign_in_does_not_follow_next_to_another_site(
    client: Client, customer: User, password: str, target: str
) -> None:
    response = sign_in(client, customer.email, password, next_url=target)

    assert response["Location"] == "/"


def test_sign_in_follows_next_within_the_desk(
    client: Client, customer: User, password: str
) -> None:
    response = sign_in(client, customer.email, password, next_url="/account/")

    assert response["Location"] == "/account/"


def test_signing_out_forgets_the_session(client: Client, customer: User, password: str) -> None:
    sign_in(client, customer.email, password)
    key = client.session.session_key

    client.post("/logout/")

    assert not UserSession.objects.filter(session_key=key).exists()
    assert not is_signed_in(client)


# Password reset ---------------------------------------------------------------------------


def request_reset(client: Client, email: str, capture: Capture) -> Any:
    with capture(execute=True):
        return client.post("/password-reset/", {"email": email})


def reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/password-reset/\S+/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_password_reset_answers_alike_for_known_and_unknown_emails(
    client: Client, customer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    known = request_reset(client, customer.email, django_capture_on_commit_callbacks)
    unknown = request_reset(client, "nobody@acme.example", django_capture_on_commit_callbacks)

    assert (known.status_code, known["Location"]) == (302, "/password-reset/sent/")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert reset_link(mail.outbox[0]).startswith("/password-reset/")


def test_the_reset_mail_waits_for_the_commit(
    client: Client, customer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/password-reset/", {"email": customer.email})

    assert mail.outbox == [] and len(callbacks) == 1


def test_an_inactive_person_gets_no_reset_mail(
    client: Client, customer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    User.objects.filter(pk=customer.pk).update(is_active=False)

    response = request_reset(client, customer.email, django_capture_on_commit_callbacks)

    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_following_the_reset_link_sets_a_new_password(
    client: Client, customer: User, password: str, django_capture_on_commit_callbacks: Capture
) -> None:
    request_reset(client, "ALICE@acme.example", django_capture_on_commit_callbacks)
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]

    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done["Location"] == "/password-reset/complete/"
    assert sign_in(Client(), customer.email, password).status_code == 200
    assert sign_in(Client(), customer.email, NEW_PASSWORD).status_code == 302


def test_a_reset_link_works_only_once(
    client: Client, customer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    request_reset(client, customer.email, django_capture_on_commit_callbacks)
    link = reset_link(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert again.context["validlink"] is False
    assert "new_password1" not in again.content.decode()


def test_the_reset_mail_has_the_desks_subject(
    client: Client, customer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    request_reset(client, customer.email, django_capture_on_commit_callbacks)

    assert mail.outbox[0].subject == "Reset your Deskpact password"


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/password-reset/sent/", "If an account uses that address"),
        ("/password-reset/complete/", "Your password is set"),
        ("/password-reset/MQ/bad-token/", "This link no longer works"),
    ],
)
def test_the_reset_pages_are_the_desks_own(client: Client, url: str, text: str) -> None:
    response = client.get(url, follow=True)

    assert text in response.content.decode()


def test_the_password_changed_page_is_the_desks_own(
    customer: User, password: str, signed_in_client: Callable[[User], Client]
) -> None:
    client = signed_in_client(customer)

    response = client.post(
        "/account/password/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert "web/base.html" in [t.name for t in response.templates]


def test_a_reset_ends_every_session_and_token(
    client: Client,
    customer: User,
    signed_in_client: Callable[[User], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    elsewhere = signed_in_client(customer)
    _, key = services.issue_api_token(customer)
    request_reset(client, customer.email, django_capture_on_commit_callbacks)
    form_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]

    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert not is_signed_in(elsewhere)
    assert not token_works(key) and not ApiToken.objects.filter(user=customer).exists()
    assert not UserSession.objects.filter(user=customer).exists()


def test_a_person_added_without_a_password_sets_one_through_the_reset_page(
    client: Client, acme: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    person = services.create_user(email="new@acme.example", by=None, organization=acme)
    assert not person.has_usable_password()

    request_reset(client, person.email, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    form_url = client.get(reset_link(message), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert sign_in(Client(), person.email, NEW_PASSWORD).status_code == 302


# Changing the password ends the other sessions ----------------------------------------------


def test_changing_the_password_signs_out_other_sessions_and_voids_tokens(
    customer: User, password: str, signed_in_client: Callable[[User], Client]
) -> None:
    here, elsewhere = signed_in_client(customer), signed_in_client(customer)
    _, key = services.issue_api_token(customer, name="laptop")
    assert token_works(key)

    assert change_password(here, password, NEW_PASSWORD)["Location"] == "/account/password/done/"

    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not token_works(key)
    assert not ApiToken.objects.filter(user=customer).exists()
    ended = AuditEntry.objects.get(action="user.sessions_ended", object_id=str(customer.pk))
    assert ended.after == {"reason": "password_changed", "sessions": 1, "tokens": 1}
    assert AuditEntry.objects.filter(action="user.password_changed", actor=customer).count() == 1


def test_changing_the_password_leaves_other_peoples_sessions_alone(
    customer: User, other_customer: User, password: str, signed_in_client: Callable[[User], Client]
) -> None:
    here, bob = signed_in_client(customer), signed_in_client(other_customer)
    _, bobs_key = services.issue_api_token(other_customer)

    change_password(here, password, NEW_PASSWORD)

    assert is_signed_in(bob) and token_works(bobs_key)


def test_the_session_that_changed_the_password_can_still_be_ended_later(
    customer: User, password: str, signed_in_client: Callable[[User], Client]
) -> None:
    # Django gives the changing session a new key; the desk must keep tracking it.
    here = signed_in_client(customer)
    change_password(here, password, NEW_PASSWORD)
    assert UserSession.objects.filter(session_key=here.session.session_key).exists()

    phone = Client()
    sign_in(phone, customer.email, NEW_PASSWORD)
    phone.post("/account/sign-out-everywhere/")

    assert not is_signed_in(here)
    assert is_signed_in(phone)


def test_a_token_issued_before_a_password_change_elsewhere_is_refused(customer: User) -> None:
    token, key = services.issue_api_token(customer)
    customer.set_password(NEW_PASSWORD)  # e.g. an admin command, without the service
    customer.save()

    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert not token_works(key)


# Ending sessions on purpose ---------------------------------------------------------------


def test_sign_out_everywhere_ends_other_sessions_and_tokens_but_not_this_one(
    customer: User, signed_in_client: Callable[[User], Client]
) -> None:
    here, elsewhere = signed_in_client(customer), signed_in_client(customer)
    _, key = services.issue_api_token(customer)

    response = here.post("/account/sign-out-everywhere/", follow=True)

    assert response.redirect_chain == [("/account/", 302)]
    assert "Signed out of 2 other sessions and API tokens." in response.content.decode()
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not token_works(key)
    assert list(UserSession.objects.filter(user=customer)) == [
        UserSession.objects.get(session_key=here.session.session_key)
    ]


def test_sign_out_everywhere_takes_only_a_post(customer: User, password: str) -> None:
    client = Client()
    sign_in(client, customer.email, password)

    assert client.get("/account/sign-out-everywhere/").status_code == 405


def test_sign_out_everywhere_needs_a_signed_in_person(client: Client) -> None:
    response = client.post("/account/sign-out-everywhere/")

    assert response["Location"] == "/login/?next=/account/sign-out-everywhere/"


def test_deactivating_a_person_ends_their_sessions_and_tokens(
    customer: User, admin_user: User, signed_in_client: Callable[[User], Client]
) -> None:
    browser = signed_in_client(customer)
    session_key = browser.session.session_key
    _, key = services.issue_api_token(customer)

    services.update_user(customer, by=admin_user, is_active=False)

    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(user=customer).exists()
    assert not ApiToken.objects.filter(user=customer).exists() and not token_works(key)
    assert browser.get("/portal/")["Location"] == "/login/?next=/portal/"
    ended = AuditEntry.objects.get(action="user.sessions_ended")
    assert (ended.actor, ended.after) == (
        admin_user,
        {"reason": "deactivated", "sessions": 1, "tokens": 1},
    )


def test_end_sessions_keeps_the_named_session(
    customer: User, signed_in_client: Callable[[User], Client]
) -> None:
    here, elsewhere = signed_in_client(customer), signed_in_client(customer)

    ended = services.end_sessions(
        customer, reason="test", by=customer, keep_session_key=here.session.session_key
    )

    assert ended == 1
    assert is_signed_in(here) and not is_signed_in(elsewhere)


def test_ending_sessions_when_there_are_none_writes_no_audit_row(customer: User) -> None:
    assert services.end_sessions(customer, reason="test", by=None) == 0
    assert not AuditEntry.objects.filter(action="user.sessions_ended").exists()


def test_a_revoked_token_no_longer_signs_in(customer: User) -> None:
    token, key = services.issue_api_token(customer, name="ci")
    assert token_works(key)

    services.revoke_api_token(token)

    assert not token_works(key)


def test_only_the_digest_of_an_issued_token_is_stored(customer: User) -> None:
    token, key = services.issue_api_token(customer, name="x" * 150)

    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.prefix, stored.name)
    assert stored.prefix == key[:8] and len(stored.name) == 100


def test_a_token_of_a_deactivated_person_is_refused_even_if_left_in_place(customer: User) -> None:
    _, key = services.issue_api_token(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert not token_works(key)


def test_signing_in_as_someone_else_in_the_same_browser_starts_afresh(
    client: Client, customer: User, other_customer: User, password: str
) -> None:
    sign_in(client, customer.email, password)
    client.post("/logout/")
    sign_in(client, other_customer.email, password)

    assert UserSession.objects.get(session_key=client.session.session_key).user == other_customer
    assert not UserSession.objects.filter(user=customer).exists()


# The session engine that carries the tracked row over to a renewed key ----------------------


@pytest.fixture
def following_engine(settings: Any) -> None:
    settings.SESSION_ENGINE = "deskpact.accounts.sessions"


@pytest.mark.usefixtures("following_engine")
def test_a_renewed_session_key_keeps_its_tracked_row(customer: User, password: str) -> None:
    here = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox/140")
    sign_in(here, customer.email, password)
    old_key = here.session.session_key
    elsewhere = Client()
    sign_in(elsewhere, customer.email, password)

    change_password(here, password, NEW_PASSWORD)

    new_key = here.session.session_key
    assert new_key != old_key
    row = UserSession.objects.get(user=customer)
    assert (row.session_key, row.ip_address, row.user_agent) == (
        new_key,
        "203.0.113.9",
        "Firefox/140",
    )
    ended = AuditEntry.objects.get(action="user.sessions_ended")
    assert ended.after == {"reason": "password_changed", "sessions": 1, "tokens": 0}


@pytest.mark.usefixtures("following_engine")
def test_signing_in_as_someone_else_drops_the_previous_persons_row(
    client: Client, customer: User, other_customer: User, password: str
) -> None:
    sign_in(client, customer.email, password)
    client.force_login(other_customer)  # no sign-out in between: Django flushes the session

    assert list(UserSession.objects.values_list("user_id", flat=True)) == [other_customer.pk]
