"""The contract advisor: worked examples computed by hand, and properties over random work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.contracts import advisor
from deskpact.contracts.advisor import History, Options, Resolution, Work
from deskpact.core.money import Money

PRICES = {
    "hour": Decimal("90.0000"),
    "overage_hour": Decimal("120.0000"),
    "incident": Decimal("150.0000"),
    "minute": Decimal("2.1000"),
    "block_hour": Decimal("80.0000"),
    "block_incident": Decimal("130.0000"),
}


def _advise(history: History, prices: dict[str, Decimal] = PRICES, **options: Any) -> dict:
    advice = advisor.advise(history, prices, currency="EUR", options=Options(**options))
    return {o.key: o for o in advice.options} | {"_cheapest": advice.cheapest}


def _cost(history: History, key: str, prices: dict[str, Decimal] = PRICES, **options: Any) -> int:
    option = _advise(history, prices, **options)[key]
    assert option.cost is not None, option.assumes
    return int(option.cost.minor)


def _logs(*minutes: int, channel: str = "web", cause: str = "") -> tuple[Work, ...]:
    return tuple(Work(m, channel=channel, cause=cause) for m in minutes)


# --- Pay as you go, hourly -----------------------------------------------------------------


def test_payg_charges_each_log_at_the_hourly_price() -> None:
    # 30 min = 45.00, 45 min = 67.50, 7 min = 10.50 at 90.00 an hour.
    assert _cost(History(work=_logs(30, 45, 7)), "payg") == 12_300


def test_payg_rounds_each_log_on_its_own_line() -> None:
    # 1 minute at 100.00 an hour is 1.6667, rounded to 1.67 per log: three logs are 5.01,
    # not the 5.00 that three minutes on one line would be.
    prices = {**PRICES, "hour": Decimal("100")}
    assert _cost(History(work=_logs(1, 1, 1)), "payg", prices) == 501


def test_payg_leaves_non_billable_work_uncharged() -> None:
    work = (Work(60), Work(60, is_billable=False), Work(20))
    option = _advise(History(work=work))["payg"]
    assert option.cost == Money(12_000, "EUR")  # 80 minutes at 90.00
    assert "60 non-billable minutes not charged." in option.assumes


def test_payg_in_yen_rounds_to_whole_yen() -> None:
    advice = advisor.advise(
        History(work=_logs(1, 1)), {"hour": Decimal("1000")}, currency="JPY", options=Options()
    )
    payg = next(o for o in advice.options if o.key == "payg")
    assert payg.cost == Money(34, "JPY")  # 16.67 rounds to 17 yen, twice
    assert str(payg.cost) == "34 JPY"


# --- Per incident --------------------------------------------------------------------------


def test_a_five_hour_ticket_under_a_120_minute_window_is_three_incidents() -> None:
    assert _cost(History(resolved=(Resolution(300),)), "per_incident") == 45_000


def test_per_incident_counts_started_windows_and_waives_product_defects() -> None:
    resolved = (
        Resolution(300),  # 3 incidents
        Resolution(0),  # resolved without logged work: still 1
        Resolution(120),  # exactly one window: 1
        Resolution(121),  # a second window started: 2
        Resolution(400, cause="product_defect"),  # 4, waived
    )
    option = _advise(History(resolved=resolved))["per_incident"]
    assert option.cost == Money(105_000, "EUR")  # 7 x 150.00
    assert option.details == {"incidents": 11, "waived_incidents": 4}
    assert "4 incidents waived by cause (product defect)." in option.assumes


def test_a_product_defect_ticket_alone_is_waived_without_an_incident_price() -> None:
    prices = {k: v for k, v in PRICES.items() if k != "incident"}
    option = _advise(History(resolved=(Resolution(90, cause="product_defect"),)), prices)
    assert option["per_incident"].cost == Money(0, "EUR")


# --- Per minute ----------------------------------------------------------------------------


def test_a_call_of_three_agents_for_14_minutes_is_42_agent_minutes() -> None:
    history = History(work=_logs(14, 14, 14, channel="phone"), calls=1)
    option = _advise(history)["per_minute"]
    assert option.cost == Money(8_820, "EUR")  # 42 x 2.10
    assert option.details["phone_minutes"] == 42


def test_per_minute_prices_other_channels_at_the_hourly_price_and_says_so() -> None:
    work = _logs(14, 14, 14, channel="phone") + _logs(60, channel="email")
    option = _advise(History(work=work, calls=1))["per_minute"]
    assert option.cost == Money(17_820, "EUR")  # 88.20 + one hour at 90.00
    assert any("a per-minute contract covers phone only" in a for a in option.assumes)


def test_per_minute_waives_phone_minutes_of_a_product_defect() -> None:
    work = _logs(10, channel="phone", cause="product_defect") + _logs(5, channel="phone")
    option = _advise(History(work=work))["per_minute"]
    assert option.cost == Money(1_050, "EUR")  # only the 5 minutes at 2.10
    assert option.details == {"phone_minutes": 15, "waived_minutes": 10, "other_minutes": 0}


# --- Banks ---------------------------------------------------------------------------------


def test_a_bank_of_hours_buys_whole_blocks() -> None:
    # 25 hours used: three blocks of 10 hours at 80.00 an hour, 5 hours left unused.
    option = _advise(History(work=_logs(600, 600, 300)))["bank_hours"]
    assert option.cost == Money(240_000, "EUR")
    assert option.details == {"used_minutes": 1500, "blocks": 3, "block_minutes": 600}
    assert "Each block 800.00 EUR (80.00 EUR an hour); 5 h left unused." in option.assumes


def test_hours_filling_blocks_exactly_buy_no_extra_block() -> None:
    assert _cost(History(work=_logs(600, 600)), "bank_hours") == 160_000
    assert _cost(History(work=_logs(600, 600)), "bank_hours", block_hours=20) == 160_000
    assert _cost(History(work=_logs(600, 601)), "bank_hours", block_hours=20) == 320_000


def test_no_work_needs_no_block_and_no_block_price() -> None:
    option = _advise(History(), {})["bank_hours"]
    assert option.cost == Money(0, "EUR") and option.missing == ()


def test_a_bank_of_incidents_debits_waived_incidents_too() -> None:
    resolved = (Resolution(300), Resolution(400, cause="product_defect"), Resolution(30))
    # 3 + 4 + 1 = 8 incidents: one block of 10 at 130.00 each; with blocks of 5, two.
    assert _cost(History(resolved=resolved), "bank_incidents") == 130_000
    assert _cost(History(resolved=resolved), "bank_incidents", block_incidents=5) == 130_000


def test_eleven_incidents_in_blocks_of_ten_buy_two_blocks() -> None:
    resolved = tuple(Resolution(60) for _ in range(11))
    assert _cost(History(resolved=resolved), "bank_incidents") == 260_000


# --- Capped --------------------------------------------------------------------------------


def test_110_hours_against_a_100_hour_cap_is_10_hours_of_overage() -> None:
    history = History(work=_logs(*[600] * 11))
    option = _advise(history, capped_fee_minor=1_000_000)["capped"]
    assert option.cost == Money(1_120_000, "EUR")  # 10,000.00 fee + 10 h x 120.00
    assert option.details == {"covered_minutes": 6000, "overage_minutes": 600, "cap_minutes": 6000}
    assert "Term fee 10000.00 EUR as given." in option.assumes


def test_the_log_crossing_the_cap_splits() -> None:
    # 5,900 minutes, then a 200-minute log: 100 covered, 100 minutes overage = 200.00.
    history = History(work=_logs(5900, 200))
    assert _cost(history, "capped") == 20_000


def test_the_capped_fee_is_assumed_zero_and_says_so() -> None:
    option = _advise(History(work=_logs(60)))["capped"]
    assert option.cost == Money(0, "EUR") and option.fee_assumed
    assert option.assumes[0].startswith("Term fee 0.00 EUR assumed: the price book holds no fees")


def test_a_smaller_cap_moves_work_into_overage() -> None:
    assert _cost(History(work=_logs(180)), "capped", cap_hours=2, capped_fee_minor=50_000) == (
        50_000 + 12_000
    )


# --- Agreement -----------------------------------------------------------------------------


def test_an_agreement_costs_its_fee_whatever_the_work() -> None:
    option = _advise(History(work=_logs(6000)), agreement_fee_minor=500_000)["agreement"]
    assert option.cost == Money(500_000, "EUR")
    assert "100 h of work tracked, not charged." in option.assumes


def test_an_agreement_without_a_fee_is_not_priced() -> None:
    option = _advise(History(work=_logs(60)))["agreement"]
    assert option.cost is None and option.missing == ("fee",)


# --- Missing prices and the cheapest -------------------------------------------------------


def test_a_missing_price_leaves_that_kind_unpriced_and_names_the_item() -> None:
    prices = {k: v for k, v in PRICES.items() if k not in ("block_hour", "minute")}
    history = History(work=_logs(60) + _logs(14, channel="phone"), resolved=(Resolution(74),))
    options = _advise(history, prices)
    assert options["bank_hours"].cost is None and options["bank_hours"].missing == ("block_hour",)
    assert options["per_minute"].missing == ("minute",)
    assert "Not priced: the price book has no minute price in EUR." in options["per_minute"].assumes
    assert options["payg"].cost == Money(11_100, "EUR")  # 74 minutes at 90.00
    assert options["per_incident"].cost == Money(15_000, "EUR")


def test_the_cheapest_kind_for_a_worked_year() -> None:
    # 25 h of web work on 4 tickets of 375 minutes each (4 incidents each).
    history = History(
        work=_logs(*[375] * 4),
        resolved=tuple(Resolution(375) for _ in range(4)),
    )
    options = _advise(history, capped_fee_minor=300_000, agreement_fee_minor=400_000)
    costs = {k: o.cost.minor for k, o in options.items() if k != "_cheapest" and o.cost}
    assert costs == {
        "agreement": 400_000,
        "capped": 300_000,  # fee; 25 h are well under the cap
        "bank_hours": 240_000,  # 3 blocks of 10 h at 80.00
        "bank_incidents": 260_000,  # 16 incidents: 2 blocks of 10 at 130.00
        "per_minute": 225_000,  # no phone work: 25 h at the hourly price
        "per_incident": 240_000,  # 16 x 150.00
        "payg": 225_000,
    }
    # Without phone work per minute costs what pay as you go does: the first listed wins.
    assert options["_cheapest"].key == "payg"


# --- Properties ----------------------------------------------------------------------------

minutes_lists = st.lists(st.integers(1, 1440), min_size=1, max_size=30)
rates = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False)


@given(minutes_lists, st.data(), st.integers(0, 1440), rates)
def test_payg_cost_never_falls_when_a_log_grows(
    minutes: list[int], data: st.DataObject, extra: int, rate: Decimal
) -> None:
    index = data.draw(st.integers(0, len(minutes) - 1))
    longer = [m + extra if i == index else m for i, m in enumerate(minutes)]
    prices = {"hour": rate}
    assert _cost(History(work=_logs(*longer)), "payg", prices) >= _cost(
        History(work=_logs(*minutes)), "payg", prices
    )


@given(
    st.lists(
        st.tuples(st.integers(1, 600), st.sampled_from(["web", "email", "phone"]), st.booleans()),
        max_size=20,
    ),
    st.lists(
        st.tuples(st.integers(0, 900), st.sampled_from(["", "question", "product_defect"])),
        max_size=10,
    ),
    st.dictionaries(st.sampled_from(sorted(PRICES)), rates),
    st.one_of(st.none(), st.integers(0, 10**7)),
    st.one_of(st.none(), st.integers(0, 10**7)),
)
def test_the_cheapest_is_the_least_cost_among_the_priced_kinds(
    work: list[tuple[int, str, bool]],
    resolved: list[tuple[int, str]],
    prices: dict[str, Decimal],
    capped_fee: int | None,
    agreement_fee: int | None,
) -> None:
    history = History(
        work=tuple(Work(m, channel=c, is_billable=b) for m, c, b in work),
        resolved=tuple(Resolution(m, cause=c) for m, c in resolved),
    )
    options = Options(capped_fee_minor=capped_fee, agreement_fee_minor=agreement_fee)
    advice = advisor.advise(history, prices, currency="EUR", options=options)
    priced = [o.cost.minor for o in advice.options if o.cost is not None]
    assert len(advice.options) == 7
    if not priced:
        assert advice.cheapest is None
    else:
        assert advice.cheapest is not None and advice.cheapest.cost is not None
        assert advice.cheapest.cost.minor == min(priced)
    for o in advice.options:
        assert (o.cost is None) == bool(o.missing)
        assert all(item in (*PRICES, "fee") and item not in prices for item in o.missing)


@given(st.integers(0, 10**6), st.integers(1, 10**4))
def test_blocks_cover_what_was_used_with_less_than_a_block_left(used: int, block: int) -> None:
    blocks = advisor.blocks_needed(used, block=block)
    assert blocks * block >= used
    assert blocks * block - used < block


@given(st.lists(st.integers(0, 1440), max_size=40), st.integers(0, 20_000))
def test_a_cap_split_loses_and_invents_no_minute(minutes: list[int], cap: int) -> None:
    splits = advisor.cap_split(minutes, cap=cap)
    assert [c + o for c, o in splits] == minutes
    assert sum(c for c, _ in splits) == min(sum(minutes), cap)
    # Once a log runs over, every later log is all overage.
    over = [i for i, (_, o) in enumerate(splits) if o]
    assert all(splits[i][0] == 0 for i in over[1:])


@pytest.mark.parametrize("name", ["block_hours", "block_incidents", "cap_hours"])
def test_options_refuse_a_size_of_zero(name: str) -> None:
    sizes: dict[str, Any] = {name: 0}
    with pytest.raises(ValueError, match=name):
        Options(**sizes)
