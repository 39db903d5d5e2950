"""Installing keys and counting named seats, against a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from deskpact.accounts import services as accounts
from deskpact.accounts.contacts import find_or_create_contact
from deskpact.accounts.models import Organization, User
from deskpact.core.models import AuditEntry
from deskpact.licensing import services
from deskpact.licensing.errors import InvalidLicenseKey, NoSeatFree
from deskpact.licensing.models import InstalledLicense
from deskpact.licensing.policy import LicenseModel, current_license_model
from deskpact.licensing.standing import State
from deskpact.testing.factories import UserFactory
from deskpact.testing.licenses import IssueKey

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _agents(count: int) -> list[User]:
    return [UserFactory.create(role=User.Role.AGENT) for _ in range(count)]


def _new_agent(n: int, *, by: User | None = None) -> User:
    return accounts.create_user(email=f"agent{n}@desk.example", name=f"A{n}", role="agent", by=by)


@time_machine.travel(NOW, tick=False)
def test_an_installed_key_is_in_force_at_once_and_audited(
    issue_key: IssueKey, admin_user: User
) -> None:
    assert current_license_model() == LicenseModel.SUPPORT
    standing = services.install_license(issue_key(model=LicenseModel.TEAM), by=admin_user)
    assert standing.state is State.ACTIVE and standing.terms.model == LicenseModel.TEAM
    assert current_license_model() == LicenseModel.TEAM
    row = InstalledLicense.objects.get()
    assert (row.licensee, row.model, row.seats, row.installed_by) == (
        "Acme Support Ltd",
        "team",
        10,
        admin_user,
    )
    entry = AuditEntry.objects.get(action="license.installed")
    assert entry.after is not None and entry.after["seats"] == 10 and entry.after["model"] == "team"


@time_machine.travel(NOW, tick=False)
def test_a_refused_key_changes_nothing(issue_key: IssueKey, admin_user: User) -> None:
    services.install_license(issue_key(seats=10), by=admin_user)
    good = issue_key(seats=99)
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    with pytest.raises(InvalidLicenseKey) as refused:
        services.install_license(tampered, by=admin_user)
    assert refused.value.field == "key" and refused.value.code == "invalid_license_key"
    assert InstalledLicense.objects.count() == 1
    assert services.license_standing().terms.seats == 10


@time_machine.travel(NOW, tick=False)
def test_a_key_that_has_already_ended_is_refused(issue_key: IssueKey) -> None:
    with pytest.raises(InvalidLicenseKey, match="ended on 2026-11-15"):
        services.install_license(issue_key(valid_until=date(2026, 11, 1)), by=None)
    # Still in its grace days: accepted, in grace.
    standing = services.install_license(issue_key(valid_until=date(2026, 11, 25)), by=None)
    assert standing.state is State.GRACE


def test_a_key_no_longer_trusted_falls_back_to_evaluation_with_a_warning(
    issue_key: IssueKey, settings: Any
) -> None:
    services.install_license(issue_key(seats=50), by=None)
    settings.LICENSE_PUBLIC_KEYS = []
    services.forget_cached_license()
    standing = services.license_standing()
    assert standing.is_evaluation and standing.terms.seats == 5
    assert "not accepted" in standing.warning


def test_the_evaluation_license_refuses_a_sixth_agent_and_says_how_to_free_one(
    admin_user: User,
) -> None:
    _agents(4)  # with the admin: 5 licensed users
    with pytest.raises(NoSeatFree) as refused:
        _new_agent(6, by=admin_user)
    error = refused.value
    assert error.code == "no_seat_free" and error.status == 409 and error.field == "role"
    assert "All 5 named seats of the Support license are in use (5 licensed users)" in (
        error.message
    )
    assert "Deactivate a licensed user" in error.message
    assert error.details == {"seats": 5, "in_use": 5}
    assert not User.objects.filter(email="agent6@desk.example").exists()


def test_customers_take_no_seat_under_the_support_model(acme: Organization) -> None:
    _agents(5)
    for n in range(3):
        accounts.create_user(email=f"c{n}@acme.example", name="C", role="user", by=None)
        find_or_create_contact(f"mail{n}@acme.example", source="email")
    assert User.objects.filter(role="user").count() == 6


def test_deactivating_a_licensed_user_frees_a_seat(admin_user: User) -> None:
    agents = _agents(4)
    accounts.deactivate_user(agents[0], by=admin_user)
    assert _new_agent(6).is_active


def test_promoting_or_reactivating_beyond_the_seats_is_refused(
    admin_user: User, customer: User
) -> None:
    gone = UserFactory.create(role=User.Role.AGENT, is_active=False)
    _agents(4)
    with pytest.raises(NoSeatFree) as promoted:
        accounts.update_user(customer, by=admin_user, role="agent")
    assert promoted.value.field == "role"
    with pytest.raises(NoSeatFree) as reactivated:
        accounts.update_user(gone, by=admin_user, is_active=True)
    assert reactivated.value.field == "is_active"
    customer.refresh_from_db()
    gone.refresh_from_db()
    assert customer.role == "user" and not gone.is_active
    # A licensed user changing role between agent and admin keeps their seat.
    agent = User.objects.filter(role="agent", is_active=True).first()
    assert agent is not None
    assert accounts.update_user(agent, by=admin_user, role="admin").role == "admin"


def test_under_the_team_model_every_new_sender_needs_a_seat(
    issue_key: IssueKey, acme: Organization
) -> None:
    services.install_license(issue_key(model=LicenseModel.TEAM, seats=3), by=None)
    _agents(1)
    find_or_create_contact("one@acme.example", source="email")
    find_or_create_contact("two@acme.example", source="email")
    with pytest.raises(NoSeatFree) as refused:
        find_or_create_contact("three@acme.example", source="email")
    assert refused.value.field == "email" and "All 3 named seats of the Team license" in (
        refused.value.message
    )
    # A known sender needs no new seat.
    assert find_or_create_contact("ONE@acme.example", source="email").created is False


def test_an_overdraft_lets_the_desk_go_over_by_its_percent_recorded(
    issue_key: IssueKey, admin_user: User
) -> None:
    services.install_license(issue_key(seats=10, overdraft_percent=20), by=admin_user)
    _agents(9)  # with the admin: all 10 seats
    _new_agent(11, by=admin_user)
    _new_agent(12, by=admin_user)  # 20% of 10: two over
    with pytest.raises(NoSeatFree):
        _new_agent(13, by=admin_user)
    entries = [e.after or {} for e in AuditEntry.objects.filter(action="license.overdraft")]
    assert sorted(e["in_use"] for e in entries) == [11, 12]
    assert all(e["seats"] == 10 and e["allowed"] == 2 for e in entries)


def test_concurrent_seats_do_not_limit_how_many_agents_exist(issue_key: IssueKey) -> None:
    services.install_license(issue_key(seat_type="concurrent", seats=2), by=None)
    _agents(3)
    assert _new_agent(4).role == "agent"


def test_seat_usage_counts_licensed_users_of_the_model_in_force(
    issue_key: IssueKey, admin_user: User, customer: User
) -> None:
    _agents(2)
    UserFactory.create(role=User.Role.AGENT, is_active=False)
    support = services.seat_usage()
    assert (support.seats, support.in_use, support.free) == (5, 3, 2)
    services.install_license(issue_key(model=LicenseModel.TEAM, seats=4), by=None)
    team = services.seat_usage()
    assert (team.seats, team.in_use, team.free) == (4, 4, 0)


def test_a_validation_error_on_the_user_comes_before_the_seat_count(admin_user: User) -> None:
    _agents(4)
    with pytest.raises(ValidationError):  # not NoSeatFree: the email is what is wrong
        accounts.create_user(email="not an email", name="X", role="agent", by=admin_user)
