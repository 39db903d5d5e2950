"""The password policy through the real pages: expiry, forced change, reuse, strength."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

import deskpact.settings as project_settings
from deskpact.accounts.models import Organization, User
from deskpact.accounts.tests.conftest import NEW_PASSWORD, change_password, sign_in
from deskpact.testing.factories import UserFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

SET_AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def new_password_errors(response: Response) -> set[str]:
    """Codes of the errors the change form shows for the new password."""
    form = response.context["form"]
    return {error.code for error in form.errors.as_data().get("new_password2", [])}


# Hashing --------------------------------------------------------------------------------


def test_argon2_is_the_projects_first_password_hasher() -> None:
    # The test settings swap in MD5 for speed, so read the project's own module.
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    hasher = import_string(project_settings.PASSWORD_HASHERS[0])()  # argon2-cffi is installed
    encoded = hasher.encode("quiet-harbour", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("quiet-harbour", encoded) and not hasher.verify("quiet-harb0ur", encoded)


# Expiry -----------------------------------------------------------------------------------


def test_an_agent_whose_password_is_too_old_must_change_it_before_anything_else(
    client: Client, password: str
) -> None:
    with time_machine.travel(SET_AT, tick=False):
        agent = UserFactory.create(email="sam@desk.example", role=User.Role.AGENT)
    expired_at = SET_AT + timedelta(days=settings.PASSWORD_MAX_AGE_DAYS, minutes=1)
    with time_machine.travel(expired_at, tick=False):
        assert sign_in(client, agent.email, password).status_code == 302

        for page in ("/console/", "/", "/account/", "/portal/", "/admin/"):
            response = client.get(page)
            assert (response.status_code, response["Location"]) == (302, "/account/password/")
        assert client.get("/account/password/").status_code == 200

        assert change_password(client, password, NEW_PASSWORD)["Location"] == (
            "/account/password/done/"
        )
        assert client.get("/console/").status_code == 200


def test_an_agents_password_still_works_the_day_before_it_expires(
    client: Client, password: str
) -> None:
    with time_machine.travel(SET_AT, tick=False):
        agent = UserFactory.create(role=User.Role.AGENT)
    almost = SET_AT + timedelta(days=settings.PASSWORD_MAX_AGE_DAYS - 1)
    with time_machine.travel(almost, tick=False):
        sign_in(client, agent.email, password)
        assert client.get("/console/").status_code == 200


def test_a_customer_is_not_forced_to_change_an_old_password(
    client: Client, acme: Organization, password: str
) -> None:
    with time_machine.travel(SET_AT, tick=False):
        customer = UserFactory.create(organization=acme, role=User.Role.USER)
    with time_machine.travel(SET_AT + timedelta(days=10 * 365), tick=False):
        assert customer.is_licensed is False  # Support model: customers hold no seat
        sign_in(client, customer.email, password)
        assert client.get("/portal/").status_code == 200


def test_a_flagged_password_must_be_changed_at_the_next_sign_in(
    client: Client, customer: User, password: str
) -> None:
    User.objects.filter(pk=customer.pk).update(must_change_password=True)
    sign_in(client, customer.email, password)

    assert client.get("/portal/")["Location"] == "/account/password/"

    change_password(client, password, NEW_PASSWORD)
    assert client.get("/portal/").status_code == 200
    customer.refresh_from_db()
    assert customer.must_change_password is False


def test_the_expiry_page_lets_the_person_sign_out(client: Client, customer: User) -> None:
    User.objects.filter(pk=customer.pk).update(must_change_password=True)
    client.force_login(customer)

    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/portal/")["Location"] == "/login/?next=/portal/"


# Reuse ------------------------------------------------------------------------------------


def test_none_of_the_last_passwords_may_be_chosen_again_but_an_older_one_may(
    customer: User, password: str, signed_in_client: Callable[[User], Client]
) -> None:
    client = signed_in_client(customer)
    depth = settings.PASSWORD_HISTORY
    recent = [f"{NEW_PASSWORD}-{n}" for n in range(depth)]
    current = password
    for new in recent:
        assert change_password(client, current, new).status_code == 302
        current = new

    for reused in recent:  # the current one and the four before it
        response = change_password(client, current, reused)
        assert response.status_code == 200
        assert new_password_errors(response) == {"password_reused"}
        assert f"last {depth} passwords" in response.content.decode()

    # The first password is now the sixth most recent: it may come back.
    assert change_password(client, current, password).status_code == 302
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_a_refused_reuse_leaves_the_password_unchanged(
    customer: User, password: str, signed_in_client: Callable[[User], Client]
) -> None:
    client = signed_in_client(customer)
    change_password(client, password, NEW_PASSWORD)

    response = change_password(client, NEW_PASSWORD, password)

    assert new_password_errors(response) == {"password_reused"}
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


# Strength ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "code"),
    [
        ("short-pw-1", "password_too_short"),
        ("password1234", "password_too_common"),
        ("384719203847561", "password_entirely_numeric"),
        ("maximilianschmidt1", "password_too_similar"),  # the email's local part and a digit
        ("Maximilian Schmidt!", "password_too_similar"),  # the name
    ],
)
def test_weak_passwords_are_refused_with_a_form_error(
    client: Client, acme: Organization, password: str, new: str, code: str
) -> None:
    person = UserFactory.create(
        email="maximilianschmidt@acme.example", name="Maximilian Schmidt", organization=acme
    )
    sign_in(client, person.email, password)

    response = change_password(client, password, new)

    assert response.status_code == 200
    assert code in new_password_errors(response)
    person.refresh_from_db()
    assert person.check_password(password)


def test_the_minimum_length_follows_the_setting(
    client: Client, customer: User, password: str
) -> None:
    sign_in(client, customer.email, password)
    just_long_enough = "vq7-" + "x" * (settings.PASSWORD_MIN_LENGTH - 5) + "k"
    too_short = just_long_enough[:-1]

    assert "password_too_short" in new_password_errors(change_password(client, password, too_short))
    assert change_password(client, password, just_long_enough).status_code == 302


def test_the_wrong_current_password_is_refused(
    client: Client, customer: User, password: str
) -> None:
    sign_in(client, customer.email, password)

    response = change_password(client, "not-my-password-at-all", NEW_PASSWORD)

    assert response.context["form"].errors["old_password"]
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_the_change_page_says_why_once_however_many_pages_were_tried(
    client: Client, customer: User
) -> None:
    User.objects.filter(pk=customer.pk).update(must_change_password=True)
    client.force_login(customer)
    for page in ("/", "/portal/", "/account/"):
        client.get(page)

    html = client.get("/account/password/").content.decode()

    assert html.count("Your password was set for you. Choose your own to continue.") == 1
    assert "has expired" not in html


def test_an_expired_password_is_called_expired(client: Client, password: str) -> None:
    with time_machine.travel(SET_AT, tick=False):
        agent = UserFactory.create(role=User.Role.AGENT)
    with time_machine.travel(SET_AT + timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)):
        client.force_login(agent)

        html = client.get("/console/", follow=True).content.decode()

    assert html.count("Your password has expired.") == 1


def test_static_files_and_the_api_are_not_redirected_while_a_password_must_change(
    client: Client, customer: User
) -> None:
    User.objects.filter(pk=customer.pk).update(must_change_password=True)
    client.force_login(customer)

    assert client.get("/static/deskpact/app.css").status_code == 200
    assert client.get("/api/v1/users/me/").status_code != 302  # the API answers for itself
