"""Replaying an organization's year: which work, which tickets, which prices it reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.contracts import advisor, replay, services
from deskpact.contracts.models import LedgerEntry
from deskpact.core.money import Money
from deskpact.testing.factories import UserFactory
from deskpact.tickets import services as tickets
from deskpact.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _ticket(requester: User, *, channel: str = "web", at: datetime | None = None) -> Ticket:
    return tickets.open_ticket(
        requester=requester,
        submitter=requester,
        subject="The export stops halfway",
        body="It stops at 50%.",
        channel=channel,
        at=at,
    )


def _price(item: str, amount: str, *, by: User, on: date, currency: str = "EUR") -> None:
    services.add_price(
        item=item, currency=currency, amount=Decimal(amount), effective_from=on, by=by
    )


@pytest.mark.parametrize(
    ("today", "window"),
    [
        (date(2026, 6, 15), (date(2025, 6, 16), date(2026, 6, 15))),
        (date(2026, 1, 1), (date(2025, 1, 2), date(2026, 1, 1))),
        (date(2028, 2, 29), (date(2027, 3, 1), date(2028, 2, 29))),
    ],
)
def test_the_window_is_the_last_twelve_months_up_to_today(
    today: date, window: tuple[date, date]
) -> None:
    assert replay.window_for(today) == window


def test_the_current_price_of_each_item_in_the_organizations_currency(admin_user: User) -> None:
    today = date(2026, 6, 15)
    _price("hour", "90", by=admin_user, on=date(2020, 1, 1))
    _price("hour", "100", by=admin_user, on=date(2026, 6, 1))
    _price("hour", "200", by=admin_user, on=date(2026, 7, 1))  # not yet in force
    _price("hour", "50", by=admin_user, on=date(2020, 1, 1), currency="USD")
    _price("minute", "2.5", by=admin_user, on=date(2026, 6, 15))  # from today on
    assert replay.current_prices("EUR", on=today) == {
        "hour": Decimal("100.0000"),
        "minute": Decimal("2.5000"),
    }


def test_the_replay_reads_the_years_work_and_resolutions_of_one_organization(
    acme: Organization,
    customer: User,
    other_customer: User,
    agent: User,
    admin_user: User,
) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    second = UserFactory.create(role=User.Role.AGENT)
    _price("hour", "90", by=admin_user, on=today - timedelta(days=900))
    _price("hour", "100", by=admin_user, on=today - timedelta(days=10))  # today's price
    _price("incident", "150", by=admin_user, on=today - timedelta(days=900))
    _price("minute", "2", by=admin_user, on=today - timedelta(days=900))

    web = _ticket(customer, at=now - timedelta(days=35))
    services.log_work(web, agent=agent, minutes=60, started_at=now - timedelta(days=30))
    services.log_work(
        web, agent=agent, minutes=30, started_at=now - timedelta(days=29), is_billable=False
    )
    tickets.change_status(web, to="resolved", by=agent, at=now - timedelta(days=20))

    phone = _ticket(customer, channel="phone", at=now - timedelta(days=41))
    services.log_call(
        phone, agents=[agent, second], minutes=14, started_at=now - timedelta(days=40), by=agent
    )
    tickets.set_cause(phone, cause="product_defect", by=agent)
    tickets.change_status(phone, to="resolved", by=agent, at=now - timedelta(days=39))

    old = _ticket(customer, at=now - timedelta(days=420))
    services.log_work(old, agent=agent, minutes=45, started_at=now - timedelta(days=400))

    reopened = _ticket(customer, at=now - timedelta(days=15))
    tickets.change_status(reopened, to="resolved", by=agent, at=now - timedelta(days=14))
    tickets.change_status(reopened, to="open", by=agent, at=now - timedelta(days=13))

    elsewhere = _ticket(other_customer, at=now - timedelta(days=5))
    services.log_work(elsewhere, agent=agent, minutes=600, started_at=now - timedelta(days=4))
    tickets.change_status(elsewhere, to="resolved", by=agent, at=now - timedelta(days=3))

    result = replay.advise_for(acme, today=today, options=advisor.Options())

    assert result.history == advisor.History(
        work=(
            advisor.Work(14, channel="phone", cause="product_defect"),
            advisor.Work(14, channel="phone", cause="product_defect"),
            advisor.Work(60, channel="web"),
            advisor.Work(30, channel="web", is_billable=False),
        ),
        resolved=(
            advisor.Resolution(28, cause="product_defect"),
            advisor.Resolution(60),
        ),
        calls=1,
    )
    options = {o.key: o for o in result.advice.options}
    # Today's price, 100.00 an hour, for all of it: 14 min = 23.33 twice, 60 min = 100.00.
    assert options["payg"].cost == Money(14_666, "EUR")
    # One incident for the web ticket; the product defect is waived.
    assert options["per_incident"].cost == Money(15_000, "EUR")
    # The phone minutes are waived too; the hour on the web at the hourly price.
    assert options["per_minute"].cost == Money(10_000, "EUR")
    assert options["bank_hours"].missing == ("block_hour",)
    assert result.advice.cheapest is not None and result.advice.cheapest.key == "capped"
    assert (result.starts_on, result.ends_on) == replay.window_for(today)


def test_the_window_starts_at_midnight_in_the_organizations_time_zone(
    acme: Organization, customer: User, agent: User
) -> None:
    starts_on = timezone.localdate() - timedelta(days=100)
    midnight = datetime.combine(starts_on, time.min, tzinfo=ZoneInfo("Europe/Berlin"))
    ticket = _ticket(customer, at=midnight - timedelta(hours=2))
    services.log_work(ticket, agent=agent, minutes=7, started_at=midnight - timedelta(minutes=1))
    services.log_work(ticket, agent=agent, minutes=9, started_at=midnight.astimezone(UTC))
    history = replay.history_of(acme, starts_on=starts_on, ends_on=starts_on)
    assert [w.minutes for w in history.work] == [9]


def test_payg_advice_matches_what_the_ledger_charged_under_payg(
    globex: Organization, other_customer: User, agent: User, admin_user: User
) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    _price("hour", "100", by=admin_user, on=today - timedelta(days=400))
    services.create_contract(
        globex,
        by=admin_user,
        name="Pay as you go",
        kind="payg",
        starts_on=today - timedelta(days=300),
    )
    ticket = _ticket(other_customer, at=now - timedelta(days=50))
    assert ticket.contract is not None
    for days in (40, 30, 20):
        services.log_work(ticket, agent=agent, minutes=1, started_at=now - timedelta(days=days))
    services.log_work(ticket, agent=agent, minutes=95, started_at=now - timedelta(days=10))

    charged = LedgerEntry.objects.filter(organization=globex).aggregate(s=Sum("charge_minor"))
    result = replay.advise_for(globex, today=today, options=advisor.Options())
    payg = next(o for o in result.advice.options if o.key == "payg")
    # 1.67 three times (per line) and 95 minutes = 158.33: 163.34.
    assert charged["s"] == 16_334
    assert payg.cost == Money(16_334, "EUR")
