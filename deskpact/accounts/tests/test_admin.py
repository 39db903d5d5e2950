"""The Django admin for organizations and people: every save goes through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from deskpact.accounts import services
from deskpact.accounts.models import ApiToken, Organization, OrganizationDomain, User, UserSession
from deskpact.accounts.tests.conftest import NEW_PASSWORD, sign_in
from deskpact.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ORG_ADD = "/admin/accounts/organization/add/"
USER_ADD = "/admin/accounts/user/add/"
NO_SESSIONS = {  # the read-only sessions inline still posts its management form
    "web_sessions-TOTAL_FORMS": "0",
    "web_sessions-INITIAL_FORMS": "0",
    "web_sessions-MIN_NUM_FORMS": "0",
    "web_sessions-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def admin_client(admin_user: User, signed_in_client: Callable[[User], Client]) -> Client:
    return signed_in_client(admin_user)


def organization_form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Initech",
        "domains": "initech.example",
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "tax_rate": "19",
        **overrides,
    }


def user_form(**overrides: str) -> dict[str, str]:
    return {
        "email": "Carol@Initech.example",
        "name": "Carol",
        "role": "agent",
        "organization": "",
        "trained_until": "",
        "password": "",
        **overrides,
    }


def form_errors(response: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = response.context["adminform"].form.errors
    return errors


# Organizations ------------------------------------------------------------------------------


def test_adding_an_organization_with_a_claimed_domain_shows_an_error_and_creates_nothing(
    admin_client: Client, acme: Organization
) -> None:
    response = admin_client.post(ORG_ADD, organization_form(domains="initech.example ACME.example"))

    assert response.status_code == 200
    assert form_errors(response) == {"domains": ["acme.example already belongs to Acme."]}
    assert not Organization.objects.filter(name="Initech").exists()
    assert not OrganizationDomain.objects.filter(domain="initech.example").exists()
    assert not AuditEntry.objects.exists()


def test_adding_an_organization_with_a_malformed_domain_shows_an_error(
    admin_client: Client,
) -> None:
    response = admin_client.post(ORG_ADD, organization_form(domains="no_underscore.com"))

    assert list(form_errors(response)) == ["domains"]
    assert not Organization.objects.exists()


def test_adding_an_organization_with_a_taken_name_shows_an_error(
    admin_client: Client, acme: Organization
) -> None:
    response = admin_client.post(ORG_ADD, organization_form(name="ACME"))

    assert form_errors(response) == {"name": ["An organization with this name already exists."]}
    assert Organization.objects.count() == 1


def test_adding_an_organization_stores_it_through_the_service(
    admin_client: Client, admin_user: User
) -> None:
    response = admin_client.post(
        ORG_ADD, organization_form(domains="Initech.example, @initech-mail.example")
    )

    assert response.status_code == 302
    org = Organization.objects.get(name="Initech")
    assert sorted(org.domain_names) == ["initech-mail.example", "initech.example"]
    entry = AuditEntry.objects.get(object_id=str(org.pk), object_type="accounts.organization")
    assert (entry.action, entry.actor) == ("organization.created", admin_user)
    assert entry.after is not None and entry.after["tax_rate"] == "19.000"


def test_changing_an_organization_in_the_admin_is_audited_once(
    admin_client: Client, admin_user: User, acme: Organization
) -> None:
    url = f"/admin/accounts/organization/{acme.pk}/change/"
    form = organization_form(name="Acme Ltd", domains="acme.example", tax_rate="0")

    assert admin_client.post(url, form).status_code == 302

    [entry] = AuditEntry.objects.filter(action="organization.changed")
    assert (entry.actor, entry.before, entry.after) == (
        admin_user,
        {"name": "Acme"},
        {"name": "Acme Ltd"},
    )


def test_the_change_form_shows_the_organizations_domains(
    admin_client: Client, acme: Organization
) -> None:
    page = admin_client.get(f"/admin/accounts/organization/{acme.pk}/change/")

    assert page.context["adminform"].form["domains"].value() == "acme.example"


def test_an_organization_with_people_offers_no_delete(
    admin_client: Client, customer: User, acme: Organization, globex: Organization
) -> None:
    assert admin_client.get(f"/admin/accounts/organization/{acme.pk}/delete/").status_code == 403
    response = admin_client.post(
        f"/admin/accounts/organization/{globex.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert list(Organization.objects.all()) == [acme]
    assert AuditEntry.objects.filter(action="organization.deleted").count() == 1


# People -----------------------------------------------------------------------------------


def test_adding_a_person_goes_through_the_service(admin_client: Client, admin_user: User) -> None:
    response = admin_client.post(USER_ADD, {**user_form(), **NO_SESSIONS})

    assert response.status_code == 302
    carol = User.objects.get(email="carol@initech.example")
    assert carol.role == User.Role.AGENT and not carol.has_usable_password()
    entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(carol.pk))
    assert (entry.action, entry.actor) == ("user.created", admin_user)
    assert entry.after is not None and entry.after["email"] == "carol@initech.example"


def test_a_password_set_by_an_admin_must_be_changed_at_first_sign_in(
    admin_client: Client,
) -> None:
    admin_client.post(USER_ADD, {**user_form(password=NEW_PASSWORD), **NO_SESSIONS})
    carol = User.objects.get(email="carol@initech.example")
    assert carol.must_change_password is True

    browser = Client()
    assert sign_in(browser, "carol@initech.example", NEW_PASSWORD).status_code == 302
    assert browser.get("/console/")["Location"] == "/account/password/"


def test_adding_a_person_with_an_email_in_use_in_another_case_shows_an_error(
    admin_client: Client, customer: User
) -> None:
    response = admin_client.post(USER_ADD, {**user_form(email="ALICE@acme.example"), **NO_SESSIONS})

    assert response.status_code == 200
    assert list(form_errors(response)) == ["email"]
    assert User.objects.filter(email__iexact="alice@acme.example").count() == 1


def test_adding_a_person_with_a_weak_password_shows_an_error(admin_client: Client) -> None:
    response = admin_client.post(USER_ADD, {**user_form(password="password1234"), **NO_SESSIONS})

    assert list(form_errors(response)) == ["password"]
    assert not User.objects.filter(email="carol@initech.example").exists()


def test_the_person_change_form_shows_the_password_hash_read_only(
    admin_client: Client, customer: User
) -> None:
    page = admin_client.get(f"/admin/accounts/user/{customer.pk}/change/")

    html = page.content.decode()
    assert f'value="{customer.password}"' not in html
    assert page.context["adminform"].form.fields["password"].disabled


def test_changing_a_person_in_the_admin_keeps_the_password_and_is_audited(
    admin_client: Client, admin_user: User, customer: User, acme: Organization, password: str
) -> None:
    url = f"/admin/accounts/user/{customer.pk}/change/"
    form = {
        "email": customer.email,
        "name": "Alice Smith",
        "role": "user",
        "organization": str(acme.pk),
        "trained_until": "",
        "is_active": "on",
        "must_change_password": "on",
        "password": "tampered-hash",
        **NO_SESSIONS,
    }

    assert admin_client.post(url, form).status_code == 302

    stored = User.objects.get(pk=customer.pk)
    assert stored.check_password(password)
    [entry] = AuditEntry.objects.filter(action="user.changed")
    assert entry.actor == admin_user
    assert entry.after == {"name": "Alice Smith", "must_change_password": True}


def test_deactivating_a_person_in_the_admin_ends_their_sessions(
    admin_client: Client,
    customer: User,
    acme: Organization,
    signed_in_client: Callable[[User], Client],
) -> None:
    browser = signed_in_client(customer)
    form = {
        "email": customer.email,
        "name": customer.name,
        "role": "user",
        "organization": str(acme.pk),
        "trained_until": "",
        **NO_SESSIONS,
    }

    admin_client.post(f"/admin/accounts/user/{customer.pk}/change/", form)

    assert User.objects.get(pk=customer.pk).is_active is False
    assert browser.get("/portal/").status_code == 302
    assert not UserSession.objects.filter(user=customer).exists()


def test_an_admin_setting_someones_password_ends_their_sessions_and_is_audited(
    admin_client: Client,
    admin_user: User,
    customer: User,
    signed_in_client: Callable[[User], Client],
) -> None:
    browser = signed_in_client(customer)
    services.issue_api_token(customer)

    response = admin_client.post(
        f"/admin/accounts/user/{customer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=customer.pk).check_password(NEW_PASSWORD)
    assert browser.get("/portal/").status_code == 302
    assert not ApiToken.objects.filter(user=customer).exists()
    entry = AuditEntry.objects.get(action="user.password_changed")
    assert (entry.actor, entry.object_id) == (admin_user, str(customer.pk))
    assert admin_client.get("/admin/").status_code == 200


def test_an_admin_setting_their_own_password_in_the_admin_stays_signed_in(
    admin_client: Client, admin_user: User, signed_in_client: Callable[[User], Client]
) -> None:
    other_browser = signed_in_client(admin_user)

    admin_client.post(
        f"/admin/accounts/user/{admin_user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert admin_client.get("/admin/").status_code == 200
    assert other_browser.get("/admin/").status_code == 302
    assert UserSession.objects.filter(session_key=admin_client.session.session_key).exists()


def test_a_refused_password_in_the_admin_changes_nothing(
    admin_client: Client, customer: User, password: str, signed_in_client: Callable[[User], Client]
) -> None:
    browser = signed_in_client(customer)

    response = admin_client.post(
        f"/admin/accounts/user/{customer.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )

    assert response.status_code == 200  # the form again: that is the current password
    assert browser.get("/portal/").status_code == 200
    assert not AuditEntry.objects.filter(action="user.password_changed").exists()


def test_the_end_all_sessions_action_signs_people_out(
    admin_client: Client,
    admin_user: User,
    customer: User,
    other_customer: User,
    signed_in_client: Callable[[User], Client],
) -> None:
    alice, bob = signed_in_client(customer), signed_in_client(other_customer)
    services.issue_api_token(customer)

    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "end_all_sessions", "_selected_action": [str(customer.pk)]},
        follow=True,
    )

    assert "Ended 2 sessions and tokens." in response.content.decode()
    assert alice.get("/portal/").status_code == 302
    assert bob.get("/portal/").status_code == 200
    entry = AuditEntry.objects.get(action="user.sessions_ended")
    assert (entry.actor, entry.after) == (
        admin_user,
        {"reason": "ended_by_admin", "sessions": 1, "tokens": 1},
    )


def test_people_are_never_deleted_in_the_admin(admin_client: Client, customer: User) -> None:
    response = admin_client.post(f"/admin/accounts/user/{customer.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=customer.pk).exists()


# Who may open the admin -------------------------------------------------------------------


@pytest.mark.parametrize("person", ["agent", "customer"])
@pytest.mark.parametrize("url", ["/admin/", ORG_ADD, USER_ADD, "/admin/accounts/user/"])
def test_agents_and_customers_cannot_open_the_admin(
    request: pytest.FixtureRequest,
    signed_in_client: Callable[[User], Client],
    person: str,
    url: str,
) -> None:
    client = signed_in_client(request.getfixturevalue(person))

    response = client.get(url, follow=True)

    assert response.status_code == 403
    assert response.redirect_chain[0][0].startswith("/admin/login/")


@pytest.mark.parametrize("person", ["agent", "customer"])
def test_agents_and_customers_cannot_add_an_organization(
    request: pytest.FixtureRequest,
    signed_in_client: Callable[[User], Client],
    person: str,
) -> None:
    client = signed_in_client(request.getfixturevalue(person))

    response = client.post(ORG_ADD, organization_form())

    assert response.status_code == 302
    assert not Organization.objects.filter(name="Initech").exists()


def test_an_anonymous_visitor_is_sent_to_the_desk_login(client: Client) -> None:
    response = client.get(ORG_ADD, follow=True)

    assert response.redirect_chain[-1][0] == f"/login/?next={ORG_ADD}"


def test_a_deactivated_admin_loses_the_admin(admin_client: Client, admin_user: User) -> None:
    assert admin_client.get("/admin/").status_code == 200

    User.objects.filter(pk=admin_user.pk).update(is_active=False)

    assert admin_client.get("/admin/")["Location"].startswith("/admin/login/")
