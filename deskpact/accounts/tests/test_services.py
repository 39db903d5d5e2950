"""Writes to organizations and people: validated, all or nothing, one audit row each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from deskpact.accounts import services
from deskpact.accounts.models import Organization, OrganizationDomain, PasswordHistory, User
from deskpact.core.models import AuditEntry

pytestmark = pytest.mark.django_db

STRONG = "copper-meadow-violin-17"


def refused_fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


def audit_rows(obj: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


# Organizations: creating -----------------------------------------------------------------


def test_creating_an_organization_stores_it_with_normalised_domains(admin_user: User) -> None:
    org = services.save_organization(
        Organization(),
        by=admin_user,
        domains="Initech.EXAMPLE, @initech-mail.example, bücher.example",
        name="Initech",
        currency="USD",
        time_zone="America/New_York",
        tax_rate=Decimal("8.875"),
    )

    stored = Organization.objects.get(pk=org.pk)
    assert (stored.name, stored.currency, stored.time_zone) == (
        "Initech",
        "USD",
        "America/New_York",
    )
    assert stored.tax_rate == Decimal("8.875")
    assert sorted(stored.domain_names) == [
        "initech-mail.example",
        "initech.example",
        "xn--bcher-kva.example",
    ]


def test_creating_an_organization_writes_one_audit_row_with_its_values(admin_user: User) -> None:
    org = services.save_organization(
        Organization(), by=admin_user, domains=["initech.example"], name="Initech"
    )

    [entry] = audit_rows(org)
    assert (entry.action, entry.actor, entry.before) == ("organization.created", admin_user, None)
    assert entry.after == {
        "name": "Initech",
        "currency": "EUR",
        "time_zone": "UTC",
        "tax_rate": "0.000",
        "shares_tickets": False,
        "domains": ["initech.example"],
    }


def test_an_unknown_organization_field_is_a_programming_error(admin_user: User) -> None:
    with pytest.raises(ValueError, match="unknown organization field"):
        services.save_organization(Organization(), by=admin_user, name="X", colour="red")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Initech", "currency": "XXX"}, "currency"),
        ({"name": "Initech", "currency": "eur"}, "currency"),
        ({"name": "Initech", "tax_rate": Decimal("-0.001")}, "tax_rate"),
        ({"name": "Initech", "tax_rate": Decimal("100.001")}, "tax_rate"),
        ({"name": "Initech", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "I" * 201}, "name"),
        ({"name": ""}, "name"),
        ({"name": "ACME"}, "name"),
        ({"name": "acme"}, "name"),
    ],
)
def test_bad_organization_input_is_refused_on_its_field(
    admin_user: User, acme: Organization, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.save_organization(Organization(), by=admin_user, **fields)

    assert field in refused_fields(exc)
    assert Organization.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_a_domain_already_claimed_by_another_organization_is_refused(
    admin_user: User, acme: Organization
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.save_organization(
            Organization(), by=admin_user, name="Initech", domains="initech.example, ACME.example"
        )

    assert exc.value.message_dict == {"domains": ["acme.example already belongs to Acme."]}
    assert not Organization.objects.filter(name="Initech").exists()
    assert not OrganizationDomain.objects.filter(domain="initech.example").exists()


@pytest.mark.parametrize("domains", ["no_underscore.com", "localhost", "acme.example, -bad.com"])
def test_a_malformed_domain_is_refused(admin_user: User, domains: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.save_organization(Organization(), by=admin_user, name="Initech", domains=domains)

    assert refused_fields(exc) == {"domains"}
    assert not Organization.objects.exists()


# Organizations: changing -----------------------------------------------------------------


def test_a_refused_domain_stores_none_of_the_other_changes(
    admin_user: User, acme: Organization, globex: Organization
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.save_organization(
            globex,
            by=admin_user,
            domains=["globex.example", "acme.example"],
            name="Globex Corporation",
            currency="USD",
            tax_rate=Decimal("20"),
        )

    assert refused_fields(exc) == {"domains"}
    stored = Organization.objects.get(pk=globex.pk)
    assert (stored.name, stored.currency, stored.tax_rate) == ("Globex", "EUR", Decimal("0"))
    assert stored.domain_names == ["globex.example"]
    assert acme.domain_names == ["acme.example"]
    assert not AuditEntry.objects.exists()


def test_an_organization_may_keep_its_own_domains(admin_user: User, acme: Organization) -> None:
    services.save_organization(acme, by=admin_user, domains="acme.example", name="Acme Ltd")

    assert Organization.objects.get(pk=acme.pk).name == "Acme Ltd"


def test_renaming_to_another_organizations_name_in_other_case_is_refused(
    admin_user: User, acme: Organization, globex: Organization
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.save_organization(globex, by=admin_user, name="aCmE")

    assert exc.value.message_dict == {"name": ["An organization with this name already exists."]}
    assert Organization.objects.get(pk=globex.pk).name == "Globex"


def test_changing_the_case_of_its_own_name_is_allowed(admin_user: User, acme: Organization) -> None:
    services.save_organization(acme, by=admin_user, name="ACME")

    assert Organization.objects.get(pk=acme.pk).name == "ACME"


def test_a_change_is_audited_with_only_the_changed_fields(
    admin_user: User, acme: Organization
) -> None:
    services.save_organization(
        acme,
        by=admin_user,
        domains="acme.example, acme-mail.example",
        name="Acme",
        currency="EUR",
        tax_rate=Decimal("19"),
    )

    [entry] = audit_rows(acme)
    assert (entry.action, entry.actor) == ("organization.changed", admin_user)
    assert entry.before == {"tax_rate": "0.000", "domains": ["acme.example"]}
    assert entry.after == {"tax_rate": "19.000", "domains": ["acme-mail.example", "acme.example"]}


def test_saving_the_same_values_writes_no_audit_row(admin_user: User, acme: Organization) -> None:
    Organization.objects.filter(pk=acme.pk).update(tax_rate=Decimal("19"))
    OrganizationDomain.objects.create(organization=acme, domain="acme-mail.example")
    acme.refresh_from_db()

    services.save_organization(
        acme,
        by=admin_user,
        domains="ACME-MAIL.example, acme.example",  # another order, another case
        name="Acme",
        tax_rate=Decimal("19"),  # fewer decimals than stored
        time_zone="Europe/Berlin",
    )

    assert audit_rows(acme) == []


def test_removing_a_domain_frees_it_for_another_organization(
    admin_user: User, acme: Organization, globex: Organization
) -> None:
    services.save_organization(acme, by=admin_user, domains="")
    services.save_organization(globex, by=admin_user, domains="globex.example acme.example")

    assert acme.domain_names == []
    assert sorted(globex.domain_names) == ["acme.example", "globex.example"]


def test_leaving_domains_out_keeps_them(admin_user: User, acme: Organization) -> None:
    services.save_organization(acme, by=admin_user, shares_tickets=True)

    assert acme.domain_names == ["acme.example"]
    [entry] = audit_rows(acme)
    assert (entry.before, entry.after) == ({"shares_tickets": False}, {"shares_tickets": True})


# Organizations: deleting -----------------------------------------------------------------


def test_an_organization_with_people_cannot_be_deleted(
    admin_user: User, customer: User, acme: Organization
) -> None:
    with pytest.raises(ValidationError, match="Move or deactivate"):
        services.delete_organization(acme, by=admin_user)

    assert Organization.objects.filter(pk=acme.pk).exists()


def test_deleting_an_organization_keeps_it_in_the_audit_log(
    admin_user: User, globex: Organization
) -> None:
    pk = globex.pk
    services.delete_organization(globex, by=admin_user)

    assert not Organization.objects.filter(pk=pk).exists()
    assert not OrganizationDomain.objects.filter(domain="globex.example").exists()
    entry = AuditEntry.objects.get(action="organization.deleted", object_id=str(pk))
    assert entry.actor == admin_user
    assert entry.before is not None and entry.before["domains"] == ["globex.example"]
    assert entry.before["name"] == "Globex"


# People: creating ------------------------------------------------------------------------


def test_a_new_persons_email_is_stored_lower_case(admin_user: User, acme: Organization) -> None:
    user = services.create_user(
        email="  Carol.Jones@ACME.example ", by=admin_user, name="Carol", organization=acme
    )

    assert User.objects.get(pk=user.pk).email == "carol.jones@acme.example"


def test_an_email_already_used_in_another_case_is_refused(admin_user: User, customer: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_user(email="ALICE@acme.example", by=admin_user)

    assert exc.value.message_dict == {"email": ["A user with this email already exists."]}
    assert User.objects.filter(email__iexact="alice@acme.example").count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "x@acme.example", "role": "owner"}, "role"),
        ({"email": "x@acme.example", "name": "N" * 151}, "name"),
    ],
)
def test_bad_person_input_is_refused_on_its_field(
    admin_user: User, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_user(by=admin_user, **fields)

    assert field in refused_fields(exc)
    assert User.objects.count() == 1  # the admin


@pytest.mark.parametrize("weak", ["short-1", "password1234", "carol@acme.example"])
def test_a_weak_first_password_is_refused_on_the_password_field(
    admin_user: User, weak: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_user(email="carol@acme.example", by=admin_user, password=weak)

    assert refused_fields(exc) == {"password"}
    assert not User.objects.filter(email="carol@acme.example").exists()


def test_a_person_added_with_a_password_can_be_told_to_change_it(admin_user: User) -> None:
    user = services.create_user(
        email="carol@acme.example", by=admin_user, password=STRONG, must_change_password=True
    )

    stored = User.objects.get(pk=user.pk)
    assert stored.check_password(STRONG)
    assert stored.must_change_password is True and stored.password_changed_at is not None
    assert PasswordHistory.objects.filter(user=stored).count() == 1


def test_a_person_added_without_a_password_cannot_sign_in_until_they_choose_one(
    admin_user: User,
) -> None:
    user = services.create_user(email="carol@acme.example", by=admin_user)

    assert not User.objects.get(pk=user.pk).has_usable_password()


def test_creating_a_person_writes_one_audit_row(admin_user: User, acme: Organization) -> None:
    user = services.create_user(
        email="carol@acme.example", by=admin_user, name="Carol", organization=acme
    )

    [entry] = audit_rows(user)
    assert (entry.action, entry.actor, entry.actor_label) == (
        "user.created",
        admin_user,
        "ada@desk.example",
    )
    assert entry.after == {
        "email": "carol@acme.example",
        "name": "Carol",
        "role": "user",
        "organization": acme.pk,
        "trained_until": None,
        "is_active": True,
        "must_change_password": False,
    }
    assert STRONG not in str(entry.after)


# People: changing ------------------------------------------------------------------------


def test_a_change_to_a_person_is_audited_with_only_the_changed_fields(
    admin_user: User, customer: User, acme: Organization, globex: Organization
) -> None:
    services.update_user(
        customer,
        by=admin_user,
        name="Alice",  # unchanged
        organization=globex,
        trained_until=date(2025, 12, 31),
    )

    [entry] = audit_rows(customer)
    assert (entry.action, entry.actor) == ("user.changed", admin_user)
    assert entry.before == {"organization": acme.pk, "trained_until": None}
    assert entry.after == {"organization": globex.pk, "trained_until": "2025-12-31"}


def test_a_change_that_changes_nothing_writes_no_audit_row(
    admin_user: User, customer: User
) -> None:
    services.update_user(customer, by=admin_user, name="Alice", email="ALICE@acme.example")

    assert audit_rows(customer) == []
    assert User.objects.get(pk=customer.pk).email == "alice@acme.example"


def test_changing_to_another_persons_email_in_other_case_is_refused(
    admin_user: User, customer: User, other_customer: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.update_user(customer, by=admin_user, email="Bob@Globex.example", name="Al")

    assert refused_fields(exc) == {"email"}
    stored = User.objects.get(pk=customer.pk)
    assert (stored.email, stored.name) == ("alice@acme.example", "Alice")
    assert audit_rows(customer) == []


def test_an_unknown_person_field_is_a_programming_error(admin_user: User, customer: User) -> None:
    with pytest.raises(ValueError, match="unknown user field"):
        services.update_user(customer, by=admin_user, password="x")


def test_flagging_a_password_for_change_is_audited(admin_user: User, customer: User) -> None:
    services.update_user(customer, by=admin_user, must_change_password=True)

    assert User.objects.get(pk=customer.pk).must_change_password is True
    [entry] = audit_rows(customer)
    assert entry.after == {"must_change_password": True}


def test_deactivating_a_person_is_audited_as_a_change(admin_user: User, customer: User) -> None:
    services.deactivate_user(customer, by=admin_user)

    assert User.objects.get(pk=customer.pk).is_active is False
    [entry] = [e for e in audit_rows(customer) if e.action == "user.changed"]
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})


def test_a_system_change_is_audited_without_an_actor(customer: User) -> None:
    services.update_user(customer, by=None, name="Alice Smith")

    [entry] = audit_rows(customer)
    assert (entry.actor, entry.actor_label) == (None, "system")


# Lost races: the check passed, the database refuses ---------------------------------------


def test_a_domain_claimed_between_check_and_write_stores_nothing(
    admin_user: User, acme: Organization, globex: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if another request claimed acme.example just after this one checked it.
    monkeypatch.setattr(services, "check_domains", lambda org, raw: ["acme.example"])

    with pytest.raises(ValidationError) as exc:
        services.save_organization(globex, by=admin_user, domains="acme.example", name="Globex 2")

    assert refused_fields(exc) == {"domains"}
    assert Organization.objects.get(pk=globex.pk).name == "Globex"
    assert Organization.objects.get(pk=globex.pk).domain_names == ["globex.example"]
    assert not AuditEntry.objects.exists()


def test_an_email_taken_between_check_and_write_is_refused_on_the_email_field(
    admin_user: User, customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(User, "full_clean", lambda self, **kwargs: None)

    with pytest.raises(ValidationError) as exc:
        services.create_user(email="alice@acme.example", by=admin_user)

    assert refused_fields(exc) == {"email"}
    assert User.objects.filter(email="alice@acme.example").count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(admin_user: User) -> None:
    with pytest.raises(ValidationError) as deactivated:
        services.update_user(admin_user, by=admin_user, is_active=False)
    assert "is_active" in deactivated.value.message_dict
    admin_user.refresh_from_db()
    with pytest.raises(ValidationError) as demoted:
        services.update_user(admin_user, by=admin_user, role=User.Role.AGENT)
    assert "role" in demoted.value.message_dict
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role == User.Role.ADMIN


@pytest.mark.django_db
def test_an_admin_can_be_demoted_while_another_remains(admin_user: User) -> None:
    second = services.create_user(email="second@desk.example", role="admin", by=None)
    services.update_user(second, by=admin_user, role=User.Role.AGENT)
    second.refresh_from_db()
    assert second.role == User.Role.AGENT
