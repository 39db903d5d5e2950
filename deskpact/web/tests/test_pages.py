"""Each person lands on their own home; customers cannot open agent pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from deskpact.accounts.models import User


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/console/"


@pytest.mark.django_db
def test_home_sends_agents_to_the_console_and_customers_to_the_portal(
    client: Client, agent: User, customer: User
) -> None:
    client.force_login(agent)
    assert client.get("/")["Location"] == "/console/"
    client.force_login(customer)
    assert client.get("/")["Location"] == "/portal/"


@pytest.mark.django_db
def test_customer_cannot_open_the_console(client: Client, customer: User) -> None:
    client.force_login(customer)
    assert client.get("/console/").status_code == 403


@pytest.mark.django_db
def test_portal_home_greets_the_customer_with_their_organization(
    client: Client, customer: User
) -> None:
    client.force_login(customer)
    page = client.get("/portal/").content.decode()
    assert "Alice" in page and "Acme" in page


@pytest.mark.django_db
def test_base_layout_loads_htmx_and_css_from_this_site(client: Client, agent: User) -> None:
    client.force_login(agent)
    page = client.get("/console/").content.decode()
    assert "/static/django_htmx/htmx" in page
    assert "/static/deskpact/app.css" in page
    assert "https://" not in page  # no CDN


@pytest.mark.django_db
def test_sign_out_is_a_post_and_ends_the_session(client: Client, agent: User) -> None:
    client.force_login(agent)
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get("/console/").status_code == 302


@pytest.mark.django_db
def test_static_css_is_served_without_collectstatic(client: Client) -> None:
    response = client.get("/static/deskpact/app.css")
    assert response.status_code == 200


@pytest.mark.django_db
def test_agent_home_uses_a_fixed_number_of_queries(
    client: Client,
    agent: User,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        assert client.get("/console/").status_code == 200


@pytest.mark.django_db
def test_admin_site_signs_in_through_the_desk_login(client: Client, admin_user: User) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"
    client.force_login(admin_user)
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_admin_site_is_closed_to_agents_and_customers(
    client: Client, agent: User, customer: User
) -> None:
    for person in (agent, customer):
        client.force_login(person)
        assert client.get("/admin/login/?next=/admin/").status_code == 403
        assert client.get("/admin/accounts/user/").status_code == 302  # to the admin login


@pytest.mark.django_db
def test_admin_login_ignores_a_next_to_another_site(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/admin/"
