"""Unknown senders become customer contacts, joined to the organization of their domain."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from deskpact.accounts import services
from deskpact.accounts.contacts import find_contact, find_or_create_contact
from deskpact.accounts.models import Organization, User
from deskpact.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_an_unknown_sender_becomes_a_contact_of_the_organization_owning_the_domain(
    acme: Organization,
) -> None:
    contact = find_or_create_contact("New.Person@ACME.example", name="New", source="email")

    assert contact.created is True
    user = User.objects.get(pk=contact.user.pk)
    assert (user.email, user.role, user.organization) == ("new.person@acme.example", "user", acme)
    assert not user.has_usable_password()
    entry = AuditEntry.objects.get(action="user.auto_created")
    assert entry.after == {
        "email": "new.person@acme.example",
        "organization": acme.pk,
        "source": "email",
    }


def test_a_known_sender_in_another_case_is_the_same_person(customer: User) -> None:
    contact = find_or_create_contact("ALICE@acme.example", source="email")

    assert (contact.user, contact.created) == (customer, False)
    assert User.objects.count() == 1


def test_wildcard_characters_in_an_address_match_only_themselves(customer: User) -> None:
    # "_" and "%" are LIKE wildcards: "a_b" must not find "axb" (nor "a%b" anyone).
    axb = User.objects.create(email="axb@acme.example", name="Axb")
    found = find_contact("AXB@acme.example")
    assert found == axb
    assert find_contact("a_b@acme.example") is None
    assert find_contact("a%b@acme.example") is None
    contact = find_or_create_contact("a_b@acme.example", source="email")
    assert contact.created is True and contact.user != axb


def test_a_sender_from_an_unclaimed_domain_belongs_to_no_organization(acme: Organization) -> None:
    contact = find_or_create_contact("someone@elsewhere.example", source="web_form")

    assert contact.user.organization is None


def test_a_sender_from_a_subdomain_does_not_join_the_parent_domains_organization(
    acme: Organization,
) -> None:
    assert find_or_create_contact("x@mail.acme.example", source="email").user.organization is None


def test_a_sender_from_an_international_domain_joins_the_organization_claiming_it(
    admin_user: User,
) -> None:
    books = services.save_organization(
        Organization(), by=admin_user, name="Bücher GmbH", domains="bücher.example"
    )

    contact = find_or_create_contact("anna@Bücher.example", source="email")

    assert contact.user.organization == books


def test_a_malformed_address_is_refused_on_the_email_field() -> None:
    with pytest.raises(ValidationError) as exc:
        find_or_create_contact("not an address", source="email")

    assert list(exc.value.message_dict) == ["email"]
    assert not User.objects.exists()
