"""Who sees which organizations and people."""

from __future__ import annotations

import pytest

from deskpact.accounts.models import Organization, User
from deskpact.accounts.selectors import organizations_visible_to, users_visible_to
from deskpact.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_agents_and_admins_see_every_organization_and_person(
    agent: User, admin_user: User, customer: User, other_customer: User
) -> None:
    for person in (agent, admin_user):
        assert {o.name for o in organizations_visible_to(person)} == {"Acme", "Globex"}
        assert set(users_visible_to(person)) == {agent, admin_user, customer, other_customer}


def test_a_customer_sees_only_their_organization_and_themself(
    customer: User, other_customer: User, acme: Organization
) -> None:
    assert list(organizations_visible_to(customer)) == [acme]
    assert list(users_visible_to(customer)) == [customer]


def test_a_customer_without_an_organization_sees_none(globex: Organization) -> None:
    loner = UserFactory.create(organization=None)

    assert list(organizations_visible_to(loner)) == []


def test_visible_organizations_carry_their_domains_in_one_query(
    agent: User, acme: Organization, globex: Organization, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(2):  # type: ignore[operator]
        domains = {o.name: o.domain_names for o in organizations_visible_to(agent)}

    assert domains == {"Acme": ["acme.example"], "Globex": ["globex.example"]}
