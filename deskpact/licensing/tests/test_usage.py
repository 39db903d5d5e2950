"""The advisor over the desk's own records: presence, seat events and tickets."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
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


def test_daily_usage_worked_example(agent: User, customer: User) -> None:
    from datetime import UTC, date, datetime

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        month = 11 if day > 2 else 12
        return datetime(2026, month, day, hour, minute, tzinfo=UTC)

    other = UserFactory.create(role=User.Role.AGENT)
    Presence.objects.create(user=agent, started_at=at(30, 9), last_seen_at=at(30, 10, 30))
    Presence.objects.create(user=other, started_at=at(30, 10), last_seen_at=at(30, 11, 30))
    Presence.objects.create(user=customer, started_at=at(30, 10, 15), last_seen_at=at(30, 10, 15))
    leased, refused = UserFactory.create_batch(2, role=User.Role.AGENT)
    SeatEvent.objects.create(kind="checkout", user=leased, at=at(1, 9), in_use=1, seats=1)
    SeatEvent.objects.create(kind="refusal", user=refused, at=at(1, 9, 5), in_use=1, seats=1)
    SeatEvent.objects.create(kind="release", user=leased, at=at(1, 10), in_use=0, seats=1)
    rows = usage.daily_usage(3, now=at(2, 12))
    assert [r.day for r in rows] == [date(2026, 11, d) for d in (29, 30)] + [
        date(2026, 12, 1),
        date(2026, 12, 2),
    ]
    by_day = {r.day: r for r in rows}
    nov30, dec1 = by_day[date(2026, 11, 30)], by_day[date(2026, 12, 1)]
    # 10:15-10:45 all three at once (idle timeout 30 min after each last request).
    assert (nov30.peak_staff, nov30.peak_everyone) == (2, 3)
    assert (nov30.active_staff, nov30.active_everyone) == (2, 3)
    assert (nov30.checkouts, nov30.refusals) == (0, 0)
    assert (dec1.peak_staff, dec1.peak_everyone, dec1.checkouts, dec1.refusals) == (1, 1, 1, 1)
    assert by_day[date(2026, 11, 29)] == usage.DayUsage(date(2026, 11, 29), 0, 0, 0, 0, 0, 0)


def test_the_usage_api_page_and_csv_show_the_same_numbers(
    api_as: Any, admin_user: User, agent: User
) -> None:
    begun = timezone.now() - timedelta(days=1, hours=2)
    Presence.objects.create(user=agent, started_at=begun, last_seen_at=begun)
    days = api_as(admin_user).get("/api/v1/license/usage/?days=7").json()
    assert len(days) == 8 and sum(d["peak_staff"] for d in days) >= 1
    client = Client()
    client.force_login(admin_user)
    page = client.get("/license/usage/?days=7").content.decode()
    assert '<svg class="chart"' in page
    csv_text = client.get("/license/usage/?days=7&format=csv").content.decode()
    lines = csv_text.strip().splitlines()
    assert (
        lines[0] == "day,peak_staff,peak_everyone,active_staff,active_everyone,checkouts,refusals"
    )
    api_rows = [
        ",".join(str(d[k]) for k in lines[0].split(","))
        for d in api_as(admin_user).get("/api/v1/license/usage/?days=7").json()
    ]
    assert lines[1:] == api_rows
    assert api_as(admin_user).get("/api/v1/license/usage/?days=999").status_code == 400


def test_a_window_with_no_usage_is_a_clear_error_everywhere(api_as: Any, admin_user: User) -> None:
    response = api_as(admin_user).get(f"/api/v1/license/advice/?{PRICES}&days=7")
    assert response.status_code == 400
    assert (
        "no ticket was opened in the last 7 days" in response.json()["errors"]["days"][0]["message"]
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nobody was active"):
        call_command(
            "license", "advise", "--days", "7", "--prices", PRICES.replace("&", ","), stdout=out
        )
