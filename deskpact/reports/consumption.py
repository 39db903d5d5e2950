"""The contracts report: consumption over time, balances, run-out dates, unbilled charges and
revenue by contract kind and month, for the organizations a user may see.

Every figure is aggregated in the database with a fixed number of queries, whatever the
number of organizations and contracts shown. Money stays in integer minor units per
currency: amounts in different currencies are never added together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.db.models import DateField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.billing.selectors import unbilled_entries
from deskpact.contracts import selectors as contract_selectors
from deskpact.contracts.models import Contract, LedgerEntry
from deskpact.core.currencies import minor_units
from deskpact.core.errors import DomainError
from deskpact.reports.ranges import DateRange, parse_range

Kind = LedgerEntry.Kind
USE_KINDS = (Kind.WORK_RATED, Kind.INCIDENT_CONSUMED)
# Up to two months a day is a readable point; beyond, a week is.
DAILY_UP_TO_DAYS = 62

Period = Literal["day", "week"]


class UnknownOrganization(DomainError):
    code = "unknown_organization"


class UnknownKind(DomainError):
    code = "unknown_kind"


@dataclass(frozen=True)
class ContractsFilter:
    """What the report covers: a range, and optionally one organization and one kind."""

    range: DateRange
    organization: Organization | None
    kind: str | None
    # Revenue across organizations is the desk's business, not a customer's.
    shows_revenue: bool


@dataclass(frozen=True)
class ContractRow:
    """One contract: what it used in the range, where it stands today, and what is unbilled.

    `used`, `remaining`: in the contract's unit (minutes for hours, or incidents).
    `remaining` and `run_out_on` are as of today; `used` and `unbilled_minor` cover the range.
    """

    contract_id: int
    organization_id: int
    organization: str
    name: str
    kind: str
    kind_label: str
    unit: str
    currency: str
    used: int
    remaining: int | None
    run_out_on: date | None
    unbilled_minor: int

    @property
    def unbilled(self) -> str:
        return format_minor(self.unbilled_minor, self.currency)


@dataclass(frozen=True)
class UseRow:
    """Units one contract used in one period (a day, or a week starting `period_start`)."""

    period_start: date
    contract_id: int
    organization: str
    contract: str
    unit: str
    units: int


@dataclass(frozen=True)
class RevenueRow:
    """What was charged under contracts of one kind in one month, in one currency."""

    month: date
    kind: str
    kind_label: str
    currency: str
    charge_minor: int

    @property
    def amount(self) -> str:
        return format_minor(self.charge_minor, self.currency)


@dataclass(frozen=True)
class ContractsReport:
    filter: ContractsFilter
    period: Period
    periods: list[date]
    contracts: list[ContractRow]
    use: list[UseRow]
    revenue: list[RevenueRow] | None  # None: not shown to this user

    def use_by_unit(self) -> dict[str, dict[date, int]]:
        """Units used per period, summed per unit (minutes with minutes, incidents apart)."""
        out: dict[str, dict[date, int]] = {
            unit: dict.fromkeys(self.periods, 0)
            for unit in sorted({c.unit for c in self.contracts}, reverse=True)  # minutes first
        }
        for row in self.use:
            out[row.unit][row.period_start] += row.units
        return out

    def revenue_by_currency(self) -> dict[str, list[RevenueRow]]:
        out: dict[str, list[RevenueRow]] = {}
        for row in self.revenue or []:
            out.setdefault(row.currency, []).append(row)
        return out


def format_minor(minor: int, currency: str) -> str:
    """Minor units as the plain decimal the page and the CSV show (12050 EUR -> 120.50)."""
    digits = minor_units(currency)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"


def unit_of(contract: Contract) -> str:
    return "minutes" if contract.in_hours else "incidents"


def desk_zone() -> str:
    return timezone.get_current_timezone_name()


def parse_filter(
    user: User,
    *,
    start: str | None,
    end: str | None,
    organization: str | None,
    kind: str | None,
    today: date,
) -> ContractsFilter:
    """The report's filter from the query string; BadRange, UnknownOrganization and
    UnknownKind name the field. A customer may only ask for their own organization: any
    other id is refused exactly as an unknown one is, so ids of others reveal nothing."""
    period = parse_range(start, end, today=today)
    org = None
    text = (organization or "").strip()
    if text:
        refusal = UnknownOrganization(f"No organization {text!r}.", field="organization")
        if not text.isdigit() or len(text) > 18:
            raise refusal
        org_id = int(text)
        if not user.is_agent and org_id != user.organization_id:
            raise refusal
        org = Organization.objects.filter(pk=org_id).first()
        if org is None:
            raise refusal
    chosen = (kind or "").strip() or None
    if chosen is not None and chosen not in Contract.Kind.values:
        raise UnknownKind(
            f"{chosen!r} is not a contract kind ({', '.join(Contract.Kind.values)}).", field="kind"
        )
    return ContractsFilter(period, org, chosen, shows_revenue=user.is_agent)


def _contracts(user: User, f: ContractsFilter) -> QuerySet[Contract]:
    """Contracts whose term overlaps the range, of the organizations `user` may see."""
    rows = contract_selectors.contracts_visible_to(user).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=f.range.start), starts_on__lte=f.range.end
    )
    if f.organization is not None:
        rows = rows.filter(organization=f.organization)
    if f.kind is not None:
        rows = rows.filter(kind=f.kind)
    return rows.order_by("organization__name", "organization_id", "name", "id")


def _period_start(day: date, period: Period, first: date) -> date:
    if period == "day":
        return day
    return max(first, day - timedelta(days=day.weekday()))  # weeks start on Monday


def contracts_report(user: User, f: ContractsFilter, *, today: date) -> ContractsReport:
    """The whole report in five queries (six with the revenue), however many contracts."""
    zone = desk_zone()
    tz = ZoneInfo(zone)
    low, high = f.range.bounds(zone)
    period: Period = "day" if f.range.days <= DAILY_UP_TO_DAYS else "week"
    shown = _contracts(user, f)
    contracts = list(shown)
    summaries = {s.contract.pk: s for s in contract_selectors.summarize(contracts, today=today)}
    # The contracts as a subquery, not thousands of ids as parameters.
    shown_ids = shown.order_by().values("pk")
    in_range = LedgerEntry.objects.filter(contract__in=shown_ids, at__gte=low, at__lt=high)

    # Use per contract and period (a day, or a week from Monday), summed in the database.
    trunc = (
        TruncDate("at", tzinfo=tz)
        if period == "day"
        else TruncWeek("at", output_field=DateField(), tzinfo=tz)
    )
    grouped = (
        in_range.filter(kind__in=USE_KINDS)
        .annotate(period_start=trunc)
        .values("contract_id", "period_start")
        .annotate(net=Coalesce(Sum("units"), 0))
        .order_by()
        .values_list("contract_id", "period_start", "net")
    )
    by_id = {c.pk: c for c in contracts}
    used: dict[tuple[date, int], int] = {}
    total: dict[int, int] = {}
    for contract_id, start, net in grouped:
        if contract_id not in by_id:  # a contract made since the list was read
            continue
        day = max(f.range.start, start)  # the first week is cut at the range's first day
        units = -int(net)  # use is a debit: negative units
        used[(day, contract_id)] = used.get((day, contract_id), 0) + units
        total[contract_id] = total.get(contract_id, 0) + units

    unbilled = dict(
        unbilled_entries()
        .filter(contract__in=shown_ids, at__gte=low, at__lt=high)
        .exclude(charge_minor=0)
        .order_by()
        .values("contract_id")
        .annotate(total=Sum("charge_minor"))
        .values_list("contract_id", "total")
    )

    rows = []
    for c in contracts:
        s = summaries[c.pk]
        rows.append(
            ContractRow(
                contract_id=c.pk,
                organization_id=c.organization_id,
                organization=c.organization.name,
                name=c.name,
                kind=c.kind,
                kind_label=c.get_kind_display(),
                unit=unit_of(c),
                currency=c.currency,
                used=total.get(c.pk, 0),
                remaining=s.remaining,
                run_out_on=s.run_out_on,
                unbilled_minor=int(unbilled.get(c.pk, 0)),
            )
        )
    order = {c.pk: i for i, c in enumerate(contracts)}
    use = [
        UseRow(
            day,
            cid,
            by_id[cid].organization.name,
            by_id[cid].name,
            unit_of(by_id[cid]),
            n,
        )
        for (day, cid), n in sorted(used.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))
        if n
    ]
    periods = sorted({_period_start(d, period, f.range.start) for d in f.range.each_day()})
    revenue = _revenue(f, low, high, tz) if f.shows_revenue else None
    return ContractsReport(f, period, periods, rows, use, revenue)


def _revenue(f: ContractsFilter, low: datetime, high: datetime, tz: ZoneInfo) -> list[RevenueRow]:
    """Charges per contract kind, month and currency (one query)."""
    rows = LedgerEntry.objects.filter(at__gte=low, at__lt=high).exclude(charge_minor=0)
    if f.organization is not None:
        rows = rows.filter(organization=f.organization)
    if f.kind is not None:
        rows = rows.filter(contract__kind=f.kind)
    grouped = (
        rows.annotate(month=TruncMonth("at", tzinfo=tz))
        .values("month", "contract__kind", "currency")
        .annotate(total=Sum("charge_minor"))
        .order_by("month", "contract__kind", "currency")
    )
    labels = dict(Contract.Kind.choices)
    out = []
    for r in grouped:
        # TruncMonth of a datetime is the aware first instant of the month in `tz`.
        first = r["month"].astimezone(tz).date()
        kind = r["contract__kind"]
        out.append(RevenueRow(first, kind, str(labels[kind]), r["currency"], int(r["total"])))
    return out


@dataclass(frozen=True)
class Table:
    """One table of a report as the page shows it and the CSV writes it, cell for cell."""

    name: str
    header: list[str]  # CSV column names
    labels: list[str]  # headings on the page
    rows: list[list[str]]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def report_tables(report: ContractsReport) -> dict[str, Table]:
    """The report's tables: contracts, consumption and (for the desk) revenue."""
    tables = {
        "contracts": Table(
            "contracts",
            [
                "organization",
                "contract",
                "kind",
                "unit",
                "used",
                "remaining",
                "run_out_on",
                "unbilled",
                "currency",
            ],
            [
                "Organization",
                "Contract",
                "Kind",
                "Unit",
                "Used in range",
                "Remaining today",
                "Runs out on",
                "Unbilled",
                "Currency",
            ],
            [
                [
                    c.organization,
                    c.name,
                    c.kind_label,
                    c.unit,
                    _text(c.used),
                    _text(c.remaining),
                    _text(c.run_out_on),
                    c.unbilled,
                    c.currency,
                ]
                for c in report.contracts
            ],
        ),
        "consumption": Table(
            "consumption",
            ["period_start", "organization", "contract", "unit", "used"],
            [report.period.capitalize(), "Organization", "Contract", "Unit", "Used"],
            [
                [_text(u.period_start), u.organization, u.contract, u.unit, _text(u.units)]
                for u in report.use
            ],
        ),
    }
    if report.revenue is not None:
        tables["revenue"] = Table(
            "revenue",
            ["month", "kind", "currency", "charged"],
            ["Month", "Contract kind", "Currency", "Charged"],
            [
                [r.month.strftime("%Y-%m"), r.kind_label, r.currency, r.amount]
                for r in report.revenue
            ],
        )
    return tables
