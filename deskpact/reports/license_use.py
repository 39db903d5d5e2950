"""The license report: seats used each day of a range, peaks, refusals, and the advisor.

The daily figures come from `licensing.usage.daily_usage` over the range's instants, so the
report and the license usage page agree to the seat; the advisor sees the same window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from deskpact.core.errors import DomainError
from deskpact.licensing import advisor
from deskpact.licensing.services import license_standing
from deskpact.licensing.usage import MAX_DAYS, DayUsage, daily_usage, license_advice
from deskpact.reports.ranges import DateRange, parse_range

PRICE_FIELDS = ("support_named", "support_concurrent", "team_named", "team_concurrent")


class BadPrice(DomainError):
    code = "bad_price"


@dataclass(frozen=True)
class LicenseReport:
    range: DateRange
    model: str  # the license model in force: whose seats "seats used" counts
    seat_type: str
    seats: int
    days: list[DayUsage]
    advice: advisor.Advice | None
    advice_note: str  # why there is no advice, when there is none

    def seats_used(self, day: DayUsage) -> int:
        """Seats the license in force would have needed that day: people at once for
        concurrent seats, people active for named seats; Support counts agents and admins."""
        staff = self.model == "support"
        if self.seat_type == "concurrent":
            return day.peak_staff if staff else day.peak_everyone
        return day.active_staff if staff else day.active_everyone

    @property
    def total_refusals(self) -> int:
        return sum(d.refusals for d in self.days)

    @property
    def peak(self) -> int:
        return max((d.peak_everyone for d in self.days), default=0)


def parse_license_range(start: str | None, end: str | None, *, today: date) -> DateRange:
    """Like every report's range, capped at the advisor's year."""
    return parse_range(start, end, today=today, max_days=MAX_DAYS)


def given_prices(raw: Mapping[str, object]) -> dict[str, object] | None:
    """The four prices when any was given (the advisor then names a missing one)."""
    prices = {name: raw.get(name) for name in PRICE_FIELDS}
    if all(value in (None, "") for value in prices.values()):
        return None
    return prices


def license_report(period: DateRange, *, prices: Mapping[str, object] | None) -> LicenseReport:
    """Each day of `period` and, when prices are given, the advisor's recommendation for
    the same window. A bad price is refused naming its combination (BadPrice)."""
    _, high = period.bounds(timezone.get_current_timezone_name())
    rows = [r for r in daily_usage(period.days, now=high) if period.start <= r.day <= period.end]
    advice, note = None, "Enter the four prices per seat and month to see the recommendation."
    if prices is not None:
        try:
            advice, _, _ = license_advice(prices, days=period.days, now=high)
            note = ""
        except advisor.NoUsage as exc:
            note = str(exc)
        except advisor.BadPrices as exc:
            # The advisor's message starts with the combination's name.
            name = str(exc).split(":", 1)[0]
            raise BadPrice(str(exc), field=name if name in PRICE_FIELDS else "prices") from None
    terms = license_standing().terms
    return LicenseReport(
        period, str(terms.model), str(terms.seat_type), terms.seats, rows, advice, note
    )


@dataclass(frozen=True)
class Table:
    """One table of the report as the page shows it and the CSV writes it, cell for cell."""

    name: str
    header: list[str]
    labels: list[str]
    rows: list[list[str]]


def report_tables(report: LicenseReport) -> dict[str, Table]:
    """Each day's seats, and the advisor's options when there is advice."""
    tables = {
        "days": Table(
            "days",
            [
                "day",
                "seats_used",
                "peak_staff",
                "peak_everyone",
                "active_staff",
                "active_everyone",
                "checkouts",
                "refusals",
            ],
            [
                "Day",
                "Seats used",
                "Agents and admins at once",
                "Everyone at once",
                "Agents and admins active",
                "Everyone active",
                "Seats taken",
                "Refused",
            ],
            [
                [
                    d.day.isoformat(),
                    str(report.seats_used(d)),
                    str(d.peak_staff),
                    str(d.peak_everyone),
                    str(d.active_staff),
                    str(d.active_everyone),
                    str(d.checkouts),
                    str(d.refusals),
                ]
                for d in report.days
            ],
        )
    }
    if report.advice is not None:
        recommended = report.advice.recommended
        tables["advice"] = Table(
            "advice",
            ["model", "seat_type", "seats", "price_per_seat", "monthly_cost", "note"],
            ["Model", "Seat type", "Seats needed", "Price per seat", "Per month", ""],
            [
                [
                    str(o.model),
                    str(o.seat_type),
                    str(o.seats),
                    str(o.price_per_seat),
                    str(o.monthly_cost),
                    "recommended" if o == recommended else ("" if o.allowed else "needs Team"),
                ]
                for o in report.advice.options
            ],
        )
    return tables
