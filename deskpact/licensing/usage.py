"""What the desk's own records say about its use, for the license advisor.

Who was active when: seat leases (from their checkout to their release or expiry, for
users who held one) and presence rows (everyone else, with the idle timeout added, as a
concurrent seat would have lasted). And the facts that decide the model, counted in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from deskpact.accounts.models import User
from deskpact.licensing import advisor
from deskpact.licensing.leases import idle_timeout
from deskpact.licensing.models import Presence, SeatEvent, SeatLease
from deskpact.licensing.policy import STAFF_ROLES, LicenseModel
from deskpact.licensing.services import license_standing
from deskpact.mail.models import OutgoingMail
from deskpact.tickets.models import Ticket

MAX_DAYS = 366  # a window longer than a year is refused, not walked


@dataclass(frozen=True)
class ModelFacts:
    tickets: int
    customer_submitted: int  # by the customer themself, by email or web form
    customers_updated: int  # customers who received a reply or resolution by email
    non_agents_own: int  # tickets owned by a non-agent (needs Team)
    non_agents_submit_for_others: int  # tickets a non-agent logged for someone else

    @property
    def customer_share(self) -> float:
        return self.customer_submitted / self.tickets if self.tickets else 0.0

    @property
    def needs_team(self) -> bool:
        return bool(self.non_agents_own or self.non_agents_submit_for_others)


def intervals(start: datetime, end: datetime) -> tuple[list[advisor.Interval], set[int]]:
    """Activity intervals clipped to [start, end), and the ids of staff users among them."""
    found: list[advisor.Interval] = []
    idle = idle_timeout()
    for user_id, begun, seen in Presence.objects.filter(
        last_seen_at__gte=start - idle, started_at__lt=end
    ).values_list("user_id", "started_at", "last_seen_at"):
        found.append(_clip(user_id, begun, seen + idle, start, end))
    found.extend(_lease_intervals(start, end))
    users = {i.user_id for i in found}
    staff = set(
        User.objects.filter(pk__in=users, role__in=STAFF_ROLES).values_list("pk", flat=True)
    )
    return [i for i in found if i.end > i.start], staff


def _lease_intervals(start: datetime, end: datetime) -> list[advisor.Interval]:
    """Leases from their checkout to the next release or expiry of the same user."""
    opened: dict[int, datetime] = {}
    found = []
    events = SeatEvent.objects.filter(
        at__lt=end,
        kind__in=[
            SeatEvent.Kind.CHECKOUT,
            SeatEvent.Kind.OVERDRAFT,
            SeatEvent.Kind.RELEASE,
            SeatEvent.Kind.EXPIRY,
        ],
        user__isnull=False,
    ).order_by("at", "id")
    for kind, user_id, at in events.values_list("kind", "user_id", "at"):
        if kind in (SeatEvent.Kind.CHECKOUT, SeatEvent.Kind.OVERDRAFT):
            opened.setdefault(user_id, at)
        elif user_id in opened:
            found.append(_clip(user_id, opened.pop(user_id), at, start, end))
    held = dict(SeatLease.objects.values_list("user_id", "expires_at"))
    for user_id, since in opened.items():  # still held (or ran out, not yet reclaimed)
        found.append(_clip(user_id, since, held.get(user_id, end), start, end))
    return found


def _clip(
    user_id: int, begun: datetime, ended: datetime, start: datetime, end: datetime
) -> advisor.Interval:
    # In the desk's time zone, so that days are the desk's days.
    return advisor.Interval(
        user_id, timezone.localtime(max(begun, start)), timezone.localtime(min(ended, end))
    )


def facts(start: datetime, end: datetime) -> ModelFacts:
    """How customers reach the desk and who works tickets, over tickets opened in the window."""
    tickets = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    non_staff = ~Q(submitter__role__in=STAFF_ROLES)
    return ModelFacts(
        tickets=tickets.count(),
        customer_submitted=tickets.filter(
            non_staff,
            submitter=F("requester"),
            channel__in=[Ticket.Channel.EMAIL, Ticket.Channel.WEB],
        ).count(),
        customers_updated=OutgoingMail.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            kind__in=[OutgoingMail.Kind.REPLY, OutgoingMail.Kind.RESOLVED],
            sent_at__isnull=False,
        )
        .values("to_email")
        .distinct()
        .count(),
        non_agents_own=tickets.filter(owner__isnull=False)
        .exclude(owner__role__in=STAFF_ROLES)
        .count(),
        non_agents_submit_for_others=tickets.filter(non_staff)
        .exclude(submitter=F("requester"))
        .count(),
    )


def usage(days: int, *, now: datetime | None = None) -> tuple[advisor.Usage, ModelFacts]:
    """The window's usage for the advisor: named counts and concurrency per model."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days: a window is 1 to {MAX_DAYS} days, not {days}.")
    end = now or timezone.now()
    start = end - timedelta(days=days)
    found, staff = intervals(start, end)
    decided = facts(start, end)
    # Team also licenses customers who only email: the requesters of emailed tickets.
    emailed = set(
        Ticket.objects.filter(
            created_at__gte=start, created_at__lt=end, channel=Ticket.Channel.EMAIL
        ).values_list("requester_id", flat=True)
    )
    everyone = {i.user_id for i in found} | emailed
    if not everyone and not decided.tickets:
        raise advisor.NoUsage(
            f"Nobody was active and no ticket was opened in the last {days} days, so "
            "there is no usage to size a license on; choose a longer window."
        )
    named = {LicenseModel.SUPPORT: len(staff), LicenseModel.TEAM: len(everyone)}
    concurrency = {
        LicenseModel.SUPPORT: advisor.concurrency(i for i in found if i.user_id in staff),
        LicenseModel.TEAM: advisor.concurrency(found),
    }
    return advisor.Usage(named, concurrency, decided.needs_team), decided


def license_advice(
    raw_prices: Mapping[str, object], *, days: int = 90, now: datetime | None = None
) -> tuple[advisor.Advice, advisor.Usage, ModelFacts]:
    """The advisor's answer for a price list (per seat and month, in the license's
    currency) over the last `days`; BadPrices or ValueError name what is wrong."""
    prices = advisor.parse_prices(raw_prices)
    used, decided = usage(days, now=now)
    standing = license_standing()
    current = Decimal(0) if standing.is_evaluation else standing.terms.monthly_fee
    return advisor.advise(used, prices, current_monthly_cost=current), used, decided


@dataclass(frozen=True)
class DayUsage:
    day: date
    peak_staff: int  # agents and admins at once (Support model seats)
    peak_everyone: int  # everyone at once (Team model seats)
    active_staff: int  # distinct agents and admins active that day
    active_everyone: int
    checkouts: int  # concurrent seats taken
    refusals: int  # concurrent seats refused


def daily_usage(days: int, *, now: datetime | None = None) -> list[DayUsage]:
    """Each day of the last `days` (the desk's time zone): peaks, people, seats taken and
    refused. Days without activity are there with zeros."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days: a window is 1 to {MAX_DAYS} days, not {days}.")
    end = now or timezone.now()
    start = end - timedelta(days=days)
    found, staff = intervals(start, end)
    staff_peaks = advisor.concurrency(i for i in found if i.user_id in staff).daily_peaks
    all_peaks = advisor.concurrency(found).daily_peaks
    active: dict[date, set[int]] = {}
    for interval in found:
        day = interval.start.date()
        while day <= interval.end.date():
            active.setdefault(day, set()).add(interval.user_id)
            day += timedelta(days=1)
    counted = (
        SeatEvent.objects.filter(
            at__gte=start, at__lt=end, kind__in=[SeatEvent.Kind.CHECKOUT, SeatEvent.Kind.REFUSAL]
        )
        .annotate(day=TruncDate("at"))
        .values_list("day", "kind")
        .annotate(n=Count("id"))
    )
    events = {(day, kind): n for day, kind, n in counted}
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    rows = []
    day = first
    while day <= last:
        people = active.get(day, set())
        rows.append(
            DayUsage(
                day=day,
                peak_staff=staff_peaks.get(day, 0),
                peak_everyone=all_peaks.get(day, 0),
                active_staff=len(people & staff),
                active_everyone=len(people),
                checkouts=events.get((day, SeatEvent.Kind.CHECKOUT), 0),
                refusals=events.get((day, SeatEvent.Kind.REFUSAL), 0),
            )
        )
        day += timedelta(days=1)
    return rows
