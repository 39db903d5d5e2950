"""The advisor over the desk's own records: presence, seat events and tickets."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.licensing import leases, usage
from deskpact.licensing.models import Presence, SeatEvent
from deskpact.licensing.policy import LicenseModel
from deskpact.testing.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db
PRICES = "support_named=500&support_concurrent=1750&team_named=520&team_concurrent=1800"


def _present(user: User, start: Any, hours: float) -> None:
    Presence.objects.create(
        user=user, started_at=start, last_seen_at=start + timedelta(hours=hours)
    )


def test_signed_in_activity_is_recorded_once_a_minute_and_stretches(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    client.get("/console/")
    client.get("/console/")  # within the minute: nothing more
    assert Presence.objects.filter(user=agent).count() == 1
    leases.forget_renewals()
    client.get("/console/")  # a minute later: the same stretch, seen later
    stretch = Presence.objects.get(user=agent)
    assert stretch.last_seen_at > stretch.started_at


def test_usage_counts_people_and_their_overlap_per_model(customer: User) -> None:
    now = timezone.now()
    day = now - timedelta(days=3)
    agents = UserFactory.create_batch(3, role=User.Role.AGENT)
    for agent in agents:
        _present(agent, day, 2)  # three agents together for 2 h (+30 min idle)
    _present(customer, day + timedelta(hours=1), 1)  # a customer in the portal meanwhile
    # An agent holding a lease the day before: checkout 09:00, released 10:00.
    leased = UserFactory.create(role=User.Role.AGENT)
    before = day - timedelta(days=1)
    SeatEvent.objects.create(kind="checkout", user=leased, at=before, in_use=1, seats=3)
    SeatEvent.objects.create(
        kind="release", user=leased, at=before + timedelta(hours=1), in_use=0, seats=3
    )
    emailer = UserFactory.create()
    TicketFactory.create(requester=emailer, channel="email", created_at=now - timedelta(days=1))
    used, facts = usage.usage(90, now=now)
    assert used.named == {"support": 4, "team": 6}  # + the customer and the emailer
    support, team = used.concurrency[LicenseModel.SUPPORT], used.concurrency[LicenseModel.TEAM]
    assert support.peak == 3 and team.peak == 4
    assert facts.tickets == 1 and facts.customer_submitted == 1 and not facts.needs_team


def test_a_non_agent_owning_a_ticket_makes_team_necessary(customer: User, acme: Any) -> None:
    colleague = UserFactory.create(organization=acme)
    TicketFactory.create(requester=customer, owner=colleague, created_at=timezone.now())
    _, facts = usage.usage(30)
    assert facts.non_agents_own == 1 and facts.needs_team


def test_the_advice_api_answers_with_options_curve_and_facts(api_as: Any, admin_user: User) -> None:
    start = timezone.now() - timedelta(days=2)
    for agent in UserFactory.create_batch(10, role=User.Role.AGENT):
        _present(agent, start, 7.5)
    body = api_as(admin_user).get(f"/api/v1/license/advice/?{PRICES}").json()
    assert body["days"] == 90
    named = body["options"][0]
    assert (named["model"], named["seat_type"], named["seats"]) == ("support", "named", 10)
    assert named["monthly_cost"] == "5000.000"
    assert body["recommended"] == named
    assert body["current_monthly_cost"] == "0.000"  # evaluation
    assert body["concurrency"]["support"]["peak"] == 10
    assert sum(body["concurrency"]["support"]["daily_peaks"].values()) >= 10
    assert body["facts"]["needs_team"] is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("support_named=500&support_concurrent=1750&team_named=520", "team_concurrent"),
        (PRICES.replace("team_named=520", "team_named=-5"), "team_named"),
        (PRICES + "&days=0", "days"),
        (PRICES + "&days=7300", "days"),
    ],
)
def test_bad_advice_questions_are_problems_naming_the_field(
    api_as: Any, admin_user: User, query: str, field: str
) -> None:
    response = api_as(admin_user).get(f"/api/v1/license/advice/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_only_admins_ask_for_advice(api_as: Any, agent: User) -> None:
    assert api_as(agent).get(f"/api/v1/license/advice/?{PRICES}").status_code == 403


def test_the_command_prints_the_options_and_the_recommendation() -> None:
    start = timezone.now() - timedelta(days=2)  # six shifts of 4 h, 5 h apart: no overlap
    for agent in UserFactory.create_batch(30, role=User.Role.AGENT):
        _present(agent, start + timedelta(hours=5 * (agent.pk % 6)), 4)
    out = io.StringIO()
    call_command("license", "advise", "--prices", PRICES.replace("&", ","), stdout=out)
    text = out.getvalue()
    assert "support  named         30 x 500 = 15000" in text
    assert "* support  concurrent     5 x 1750 = 8750" in text
    assert "Recommended: support concurrent, 5 seats" in text
