"""The license report over five days of March whose seats are counted by hand.

2 March: three agents together 09:00-11:00 and a customer 10:00-11:00 (each with the 30
minutes' idle timeout a concurrent seat would have lasted). 3 March: one agent holds a lease
09:00-10:00 and two seats are refused. 4 March: one refusal at 23:30. Refusals on 28 February
and 6 March fall outside. The desk's days are UTC's here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from deskpact.accounts.models import User
from deskpact.licensing.models import Presence, SeatEvent
from deskpact.licensing.policy import LicenseModel
from deskpact.licensing.usage import DayUsage
from deskpact.reports.license_use import (
    BadPrice,
    given_prices,
    license_report,
    parse_license_range,
    report_tables,
)
from deskpact.reports.ranges import BadRange
from deskpact.testing.factories import UserFactory

TODAY = date(2026, 3, 31)
PRICES = {
    "support_named": "500",
    "support_concurrent": "1750",
    "team_named": "520",
    "team_concurrent": "1800",
}


def utc(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@dataclass
class Seats:
    agents: list[User]
    leased: User
    customer: User


@pytest.fixture
def seats(db: None, settings: Any) -> Iterator[Seats]:
    settings.TIME_ZONE = "UTC"
    settings.LICENSE_LEASE_IDLE_MINUTES = 30
    agents = UserFactory.create_batch(3, role=User.Role.AGENT)
    leased = UserFactory.create(role=User.Role.AGENT)
    customer = UserFactory.create()
    for agent in agents:
        Presence.objects.create(
            user=agent, started_at=utc("2026-03-02", 9), last_seen_at=utc("2026-03-02", 11)
        )
    Presence.objects.create(
        user=customer, started_at=utc("2026-03-02", 10), last_seen_at=utc("2026-03-02", 11)
    )

    def event(kind: str, at: datetime, user: User | None = None) -> None:
        SeatEvent.objects.create(kind=kind, user=user, at=at, in_use=1, seats=1)

    event("checkout", utc("2026-03-03", 9), leased)
    event("refusal", utc("2026-03-03", 9, 30), agents[0])
    event("refusal", utc("2026-03-03", 9, 45), agents[1])
    event("release", utc("2026-03-03", 10), leased)
    event("refusal", utc("2026-03-04", 23, 30), agents[2])
    event("refusal", utc("2026-02-28", 12), agents[2])
    event("refusal", utc("2026-03-06", 0, 0), agents[2])
    with time_machine.travel("2026-03-31 12:00Z", tick=False):
        yield Seats(agents, leased, customer)


def day(n: int, *figures: int) -> DayUsage:
    return DayUsage(date(2026, 3, n), *figures)


def test_each_day_of_the_range_with_peaks_people_and_refusals(seats: Seats) -> None:
    report = license_report(
        parse_license_range("2026-03-01", "2026-03-05", today=TODAY), prices=None
    )
    assert report.days == [
        # peak staff, peak everyone, active staff, active everyone, checkouts, refusals
        day(1, 0, 0, 0, 0, 0, 0),
        day(2, 3, 4, 3, 4, 0, 0),
        day(3, 1, 1, 1, 1, 1, 2),
        day(4, 0, 0, 0, 0, 0, 1),
        day(5, 0, 0, 0, 0, 0, 0),
    ]
    assert report.peak == 4 and report.total_refusals == 3
    # The evaluation license: named seats under the Support model count active staff.
    assert (report.model, report.seat_type) == ("support", "named")
    assert [report.seats_used(d) for d in report.days] == [0, 3, 1, 0, 0]
    assert report.advice is None and "four prices" in report.advice_note


def test_the_advisor_sizes_each_license_on_the_same_days(seats: Seats) -> None:
    period = parse_license_range("2026-03-01", "2026-03-05", today=TODAY)
    report = license_report(period, prices=PRICES)
    assert report.advice is not None and report.advice_note == ""
    # Support: 4 agents, at most 3 at once; Team: also the customer, at most 4 at once.
    options = report.advice.options
    assert [(str(o.model), str(o.seat_type), o.seats, o.monthly_cost) for o in options] == [
        ("support", "named", 4, Decimal("2000")),
        ("support", "concurrent", 3, Decimal("5250")),
        ("team", "named", 5, Decimal("2600")),
        ("team", "concurrent", 4, Decimal("7200")),
    ]  # fmt: skip
    recommended = report.advice.recommended
    assert recommended is not None and recommended.model == LicenseModel.SUPPORT
    assert recommended.seats == 4
    assert report_tables(report)["advice"].rows[0] == [
        "support", "named", "4", "500", "2000", "recommended",
    ]  # fmt: skip


def test_a_range_nobody_worked_in_has_zeros_and_no_advice(seats: Seats) -> None:
    period = parse_license_range("2026-01-01", "2026-01-03", today=TODAY)
    report = license_report(period, prices=PRICES)
    assert [(d.peak_everyone, d.refusals) for d in report.days] == [(0, 0)] * 3
    assert report.advice is None and "no usage" in report.advice_note
    assert list(report_tables(report)) == ["days"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({**PRICES, "team_named": "abc"}, "team_named"),
        ({**PRICES, "support_concurrent": ""}, "support_concurrent"),
        ({**PRICES, "support_named": "-1"}, "support_named"),
    ],
)
def test_a_bad_price_is_refused_naming_it(seats: Seats, raw: dict[str, str], field: str) -> None:
    period = parse_license_range("2026-03-01", "2026-03-05", today=TODAY)
    with pytest.raises(BadPrice) as refused:
        license_report(period, prices=given_prices(raw))
    assert refused.value.field == field


def test_no_price_at_all_asks_for_none() -> None:
    assert given_prices({"start": "2026-03-01"}) is None
    assert given_prices({"team_named": "5"}) == {
        "support_named": None,
        "support_concurrent": None,
        "team_named": "5",
        "team_concurrent": None,
    }


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-03-05", "2026-03-01", "start"),
        ("2025-01-01", "2026-03-01", "end"),  # 425 days: the advisor looks at a year at most
        ("yesterday", "", "start"),
    ],
)
def test_bad_ranges_are_refused_naming_the_field(start: str, end: str, field: str) -> None:
    with pytest.raises(BadRange) as refused:
        parse_license_range(start, end, today=TODAY)
    assert refused.value.field == field


def test_a_whole_year_is_accepted() -> None:
    assert parse_license_range("2025-03-31", "2026-03-31", today=TODAY).days == 366
