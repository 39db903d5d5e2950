"""The console's contract pages: who may see and change them, what the forms store, and
what a refusal looks like, through real requests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.contracts import services
from deskpact.contracts.models import BankBlock, Contract, LedgerEntry, Price, Training
from deskpact.testing.factories import OrganizationFactory, UserFactory
from deskpact.tickets import services as tickets

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_YEAR = date(TODAY.year, 1, 1)
YEAR_END = date(TODAY.year, 12, 31)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bank(org: Organization, by: User, **fields: Any) -> Contract:
    terms: dict[str, Any] = {
        "name": "Support bank",
        "kind": "bank",
        "unit": "hours",
        "starts_on": THIS_YEAR,
        "ends_on": YEAR_END,
        **fields,
    }
    return services.create_contract(org, by=by, **terms)


def _form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Support 2025",
        "kind": "bank",
        "unit": "hours",
        "starts_on": THIS_YEAR.isoformat(),
        "ends_on": YEAR_END.isoformat(),
        "channels": ["web", "email", "phone"],
        "fee": "",
        "threshold": "2",
        "exhaustion": "overage",
        "overdraft": "",
        "rounding_minutes": "1",
        "minimum_minutes": "0",
        "incident_window_minutes": "120",
        "contacts_policy": "any",
        "max_named_contacts": "2",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def _error_of(html: str, field: str) -> str:
    """The error text shown under one field of a form (empty when there is none)."""
    marker = f'id="id_{field}_error"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</div>", 1)[0]


# --- Creating: units and money ------------------------------------------------------------


def test_an_admin_creates_a_capped_contract_in_hours_and_euros(
    admin_user: User, acme: Organization
) -> None:
    data = _form(kind="capped", cap="20.5", fee="1,234.56", overage_rate="95")
    response = _client(admin_user).post("/contracts/new/", {**data, "organization": acme.pk})
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contracts/{contract.pk}/"
    assert contract.kind == "capped" and contract.cap_units == 1230  # 20.5 h in minutes
    assert contract.fee_minor == 123456 and contract.currency == "EUR"
    assert contract.overage_rate == Decimal("95")
    fee = LedgerEntry.objects.get(contract=contract)
    assert (fee.kind, fee.charge_minor) == ("fee_due", 123456)
    page = _client(admin_user).get(response["Location"]).content.decode()
    assert "1234.56 EUR" in page and "20 h 30 min" in page


def test_a_fee_in_yen_is_stored_as_whole_yen(admin_user: User) -> None:
    tokyo = OrganizationFactory.create(name="Tokyo Works", currency="JPY")
    data = _form(kind="agreement", fee="5000", organization=tokyo.pk)
    assert _client(admin_user).post("/contracts/new/", data).status_code == 302
    assert Contract.objects.get().fee_minor == 5000


def test_yen_with_decimals_is_refused_on_the_fee(admin_user: User) -> None:
    tokyo = OrganizationFactory.create(name="Tokyo Works", currency="JPY")
    data = _form(kind="agreement", fee="5000.50", organization=tokyo.pk)
    response = _client(admin_user).post("/contracts/new/", data)
    assert response.status_code == 200
    assert "JPY amounts are whole numbers." in _error_of(response.content.decode(), "fee")
    assert not Contract.objects.exists()


def test_a_bank_threshold_in_hours_is_stored_in_minutes(
    admin_user: User, acme: Organization
) -> None:
    data = _form(threshold="2.25", overdraft="1.5", organization=acme.pk)
    assert _client(admin_user).post("/contracts/new/", data).status_code == 302
    contract = Contract.objects.get()
    assert (contract.threshold_units, contract.overdraft_units) == (135, 90)


def test_hours_that_are_not_whole_minutes_are_refused(admin_user: User, acme: Organization) -> None:
    data = _form(kind="capped", cap="1.01", organization=acme.pk)  # 60.6 minutes
    html = _client(admin_user).post("/contracts/new/", data).content.decode()
    assert "whole minutes" in _error_of(html, "cap")
    assert not Contract.objects.exists()


def test_a_term_ending_before_it_starts_is_shown_on_the_end_date(
    admin_user: User, acme: Organization
) -> None:
    data = _form(starts_on="2025-06-01", ends_on="2025-05-31", organization=acme.pk)
    response = _client(admin_user).post("/contracts/new/", data)
    assert response.status_code == 200
    assert "before it starts" in _error_of(response.content.decode(), "ends_on")
    assert not Contract.objects.exists()


def test_an_overlapping_contract_of_the_same_kind_is_shown_on_the_start_date(
    admin_user: User, acme: Organization
) -> None:
    _bank(acme, admin_user, name="Bank one")
    data = _form(name="Bank two", starts_on=TODAY.isoformat(), organization=acme.pk)
    response = _client(admin_user).post("/contracts/new/", data)
    assert response.status_code == 200
    error = _error_of(response.content.decode(), "starts_on")
    assert "It overlaps Bank one" in error
    assert Contract.objects.count() == 1


def test_the_form_shows_only_the_fields_of_the_chosen_kind(admin_user: User) -> None:
    client = _client(admin_user)
    per_minute = client.get("/contracts/new/?kind=per_minute&name=Phone", HTTP_HX_REQUEST="true")
    html = per_minute.content.decode()
    assert html.lstrip().startswith("<form")  # the form alone, for htmx to swap
    assert 'name="minute_rate"' in html and 'name="threshold_amount"' in html
    assert 'name="cap"' not in html and 'name="unit"' not in html
    assert 'value="Phone"' in html  # what was typed survives the switch
    capped = client.get("/contracts/new/?kind=capped").content.decode()
    assert 'name="cap"' in capped and 'name="minute_rate"' not in capped


# --- Top-ups, renewals, ends ------------------------------------------------------------


def test_an_admin_tops_up_a_bank_with_a_priced_block(admin_user: User, acme: Organization) -> None:
    bank = _bank(acme, admin_user)
    expires_on = TODAY + timedelta(days=200)
    expires = expires_on.isoformat()
    response = _client(admin_user).post(
        f"/contracts/{bank.pk}/top-up/",
        {"quantity": "10", "price": "1,450.50", "currency": "EUR", "expires_on": expires},
    )
    assert response.status_code == 302
    block = BankBlock.objects.get(contract=bank)
    assert (block.units, block.price_minor, block.expires_on) == (600, 145050, expires_on)
    entry = LedgerEntry.objects.get(contract=bank, kind="block_purchased")
    assert (entry.units, entry.charge_minor) == (600, 145050)
    page = _client(admin_user).get(f"/contracts/{bank.pk}/").content.decode()
    assert 'data-testid="remaining">10 h<' in page and "1450.50 EUR" in page


def test_a_top_up_in_another_currency_is_refused_on_the_currency(
    admin_user: User, acme: Organization
) -> None:
    bank = _bank(acme, admin_user)
    response = _client(admin_user).post(
        f"/contracts/{bank.pk}/top-up/", {"quantity": "10", "price": "500", "currency": "USD"}
    )
    assert response.status_code == 200
    assert "The contract is in EUR, not USD." in _error_of(response.content.decode(), "currency")
    assert not BankBlock.objects.exists() and not LedgerEntry.objects.exists()


def test_a_block_without_price_and_without_price_book_entry_names_the_price(
    admin_user: User, acme: Organization
) -> None:
    bank = _bank(acme, admin_user)
    response = _client(admin_user).post(
        f"/contracts/{bank.pk}/top-up/", {"quantity": "10", "currency": "EUR"}
    )
    assert response.status_code == 200
    assert _error_of(response.content.decode(), "price") != ""
    assert not BankBlock.objects.exists()


def test_a_per_minute_contract_takes_a_deposit(admin_user: User, acme: Organization) -> None:
    phone = services.create_contract(
        acme, by=admin_user, name="Hotline", kind="per_minute", starts_on=THIS_YEAR
    )
    client = _client(admin_user)
    assert 'name="amount"' in client.get(f"/contracts/{phone.pk}/top-up/").content.decode()
    response = client.post(
        f"/contracts/{phone.pk}/top-up/", {"amount": "250.00", "currency": "EUR"}
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(contract=phone)
    assert (entry.kind, entry.prepaid_minor, entry.charge_minor) == ("deposit_paid", 25000, 25000)
    page = client.get(f"/contracts/{phone.pk}/").content.decode()
    assert 'data-testid="deposit">250.00 EUR<' in page


def test_an_admin_renews_a_contract_into_the_next_term(
    admin_user: User, acme: Organization
) -> None:
    old = services.create_contract(
        acme,
        by=admin_user,
        name="Agreement",
        kind="agreement",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        fee_minor=120000,
    )
    response = _client(admin_user).post(f"/contracts/{old.pk}/renew/", {"ends_on": ""})
    renewal = Contract.objects.get(renews=old)
    assert response["Location"] == f"/contracts/{renewal.pk}/"
    assert (renewal.starts_on, renewal.ends_on) == (date(2026, 1, 1), date(2026, 12, 31))
    assert LedgerEntry.objects.get(contract=renewal, kind="fee_due").charge_minor == 120000


def test_an_open_ended_contract_cannot_be_renewed(admin_user: User, acme: Organization) -> None:
    payg = services.create_contract(
        acme, by=admin_user, name="As used", kind="payg", starts_on=THIS_YEAR
    )
    response = _client(admin_user).post(f"/contracts/{payg.pk}/renew/", {"ends_on": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "An open-ended contract has no term to renew." in _error_of(html, "ends_on")
    assert Contract.objects.count() == 1


def test_an_admin_ends_a_contract(admin_user: User, acme: Organization) -> None:
    bank = _bank(acme, admin_user)
    response = _client(admin_user).post(f"/contracts/{bank.pk}/end/", {"on": TODAY.isoformat()})
    assert response.status_code == 302
    bank.refresh_from_db()
    assert (bank.status, bank.ends_on) == ("ended", TODAY)
    again = _client(admin_user).post(f"/contracts/{bank.pk}/end/", {"on": TODAY.isoformat()})
    assert "already ended" in again.content.decode()


def test_a_contract_cannot_end_before_it_starts(admin_user: User, acme: Organization) -> None:
    bank = _bank(acme, admin_user)
    day_before = (THIS_YEAR - timedelta(days=1)).isoformat()
    html = _client(admin_user).post(f"/contracts/{bank.pk}/end/", {"on": day_before})
    assert "cannot end before it starts" in _error_of(html.content.decode(), "on")
    bank.refresh_from_db()
    assert bank.status == "active"


# --- Price book and training ------------------------------------------------------------


def test_an_admin_adds_prices_and_the_book_marks_the_one_in_force(admin_user: User) -> None:
    client = _client(admin_user)
    old = {"item": "hour", "currency": "EUR", "amount": "90", "effective_from": "2024-01-01"}
    new = {**old, "amount": "95.50", "effective_from": TODAY.isoformat()}
    assert client.post("/contracts/prices/add/", old).status_code == 302
    fragment = client.post("/contracts/prices/add/", new, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert 'data-testid="price-book"' in html and "<html" not in html
    assert "Hour of support: 95.5 EUR from" in html
    rows = html.split("<tbody>", 1)[1]
    assert rows.index("95.5") < rows.index("superseded")  # newest first, older superseded
    assert Price.objects.count() == 2


def test_a_second_price_for_the_same_day_is_refused_on_the_date(admin_user: User) -> None:
    client = _client(admin_user)
    entry = {"item": "hour", "currency": "EUR", "amount": "90", "effective_from": "2025-01-01"}
    client.post("/contracts/prices/add/", entry)
    response = client.post("/contracts/prices/add/", {**entry, "amount": "99"})
    assert "already starts on 2025-01-01" in _error_of(response.content.decode(), "effective_from")
    assert Price.objects.count() == 1


def test_an_admin_records_the_training_of_a_contact(
    admin_user: User, acme: Organization, customer: User
) -> None:
    bank = _bank(acme, admin_user, contacts_policy="trained")
    client = _client(admin_user)
    response = client.post(
        f"/contracts/{bank.pk}/training/",
        {"user": customer.pk, "course": "Admin basics", "completed_on": "2025-03-01"},
    )
    assert response.status_code == 302
    training = Training.objects.get()
    assert (training.user, training.course) == (customer, "Admin basics")
    assert "Admin basics" in client.get(f"/contracts/{bank.pk}/").content.decode()
    backwards = client.post(
        f"/contracts/{bank.pk}/training/",
        {
            "user": customer.pk,
            "course": "Again",
            "completed_on": "2025-03-01",
            "expires_on": "2025-02-01",
        },
    )
    assert "cannot expire before" in _error_of(backwards.content.decode(), "expires_on")
    assert Training.objects.count() == 1


def test_training_is_only_for_contacts_of_the_contracts_organization(
    admin_user: User, acme: Organization, other_customer: User
) -> None:
    bank = _bank(acme, admin_user, contacts_policy="trained")
    response = _client(admin_user).post(
        f"/contracts/{bank.pk}/training/",
        {"user": other_customer.pk, "course": "Basics", "completed_on": "2025-03-01"},
    )
    assert response.status_code == 200 and _error_of(response.content.decode(), "user")
    assert not Training.objects.exists()


# --- The contract page ------------------------------------------------------------------


def test_the_page_shows_blocks_with_what_is_left_and_the_ledger(
    admin_user: User, agent: User, acme: Organization, customer: User
) -> None:
    bank = _bank(acme, admin_user, threshold_units=120)
    first = services.top_up_bank(
        bank, units=300, price_minor=50000, expires_on=TODAY + timedelta(days=30), by=admin_user
    )
    second = services.top_up_bank(bank, units=600, price_minor=90000, by=admin_user)
    ticket = tickets.open_ticket(
        requester=customer, submitter=customer, subject="Slow", body="Slow.", channel="web"
    )
    assert ticket.contract_id == bank.pk
    services.log_work(ticket, agent=agent, minutes=420, note="Customer seemed upset")
    html = _client(agent).get(f"/contracts/{bank.pk}/").content.decode()
    # 420 minutes: the 300 of the block expiring first, then 120 of the other.
    assert f'data-testid="block-{first.pk}"' in html and f'data-testid="block-{second.pk}"' in html
    first_row = html.split(f'data-testid="block-{first.pk}"', 1)[1].split("</tr>", 1)[0]
    second_row = html.split(f'data-testid="block-{second.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "0 h" in first_row and "used up" in first_row
    assert "8 h" in second_row  # 600 - 120 = 480 minutes
    assert 'data-testid="remaining">8 h<' in html and 'data-testid="used">7 h<' in html
    assert ticket.key in html and "-5 h" in html and "-2 h" in html
    assert "Customer seemed upset" not in html  # notes stay on the ticket


def test_warnings_are_shown_on_the_page(admin_user: User, acme: Organization) -> None:
    bank = _bank(acme, admin_user, threshold_units=120)
    page = _client(admin_user).get(f"/contracts/{bank.pk}/").content.decode()
    assert 'data-testid="contract-warning">The bank is used up' in page


# --- Who may do what --------------------------------------------------------------------


def test_agents_read_contracts_and_the_price_book(
    agent: User, admin_user: User, acme: Organization
) -> None:
    bank = _bank(acme, admin_user)
    client = _client(agent)
    listing = client.get("/contracts/")
    assert listing.status_code == 200 and "Support bank" in listing.content.decode()
    assert 'data-testid="new-contract"' not in listing.content.decode()
    page = client.get(f"/contracts/{bank.pk}/")
    assert page.status_code == 200 and 'data-testid="contract-actions"' not in page.content.decode()
    prices = client.get("/contracts/prices/")
    assert prices.status_code == 200 and 'data-testid="price-form"' not in prices.content.decode()


def test_agents_change_nothing(agent: User, admin_user: User, acme: Organization) -> None:
    bank = _bank(acme, admin_user, contacts_policy="trained")
    client = _client(agent)
    for url in ("new/", f"{bank.pk}/top-up/", f"{bank.pk}/renew/", f"{bank.pk}/end/"):
        assert client.get(f"/contracts/{url}").status_code == 403, url
    posts = {
        "new/": _form(organization=acme.pk, name="Other", starts_on="2030-01-01", ends_on=""),
        f"{bank.pk}/top-up/": {"quantity": "5", "price": "1", "currency": "EUR"},
        f"{bank.pk}/renew/": {"ends_on": ""},
        f"{bank.pk}/end/": {"on": TODAY.isoformat()},
        f"{bank.pk}/training/": {"user": "1", "course": "x", "completed_on": "2025-01-01"},
        "prices/add/": {
            "item": "hour",
            "currency": "EUR",
            "amount": "1",
            "effective_from": "2025-01-01",
        },
    }
    for url, data in posts.items():
        assert client.post(f"/contracts/{url}", data).status_code == 403, url
    bank.refresh_from_db()
    assert Contract.objects.count() == 1 and bank.status == "active"
    assert not BankBlock.objects.exists() and not Price.objects.exists()
    assert not Training.objects.exists()


def test_customers_and_strangers_cannot_reach_the_pages(
    customer: User, admin_user: User, acme: Organization
) -> None:
    bank = _bank(acme, admin_user)
    for url in ("/contracts/", f"/contracts/{bank.pk}/", "/contracts/prices/", "/contracts/new/"):
        assert _client(customer).get(url).status_code == 403, url
        assert Client().get(url).status_code == 302, url  # to the login page
    response = _client(customer).post(
        f"/contracts/{bank.pk}/top-up/", {"quantity": "5", "price": "1", "currency": "EUR"}
    )
    assert response.status_code == 403 and not BankBlock.objects.exists()


def test_an_unknown_contract_is_not_found(admin_user: User) -> None:
    assert _client(admin_user).get("/contracts/999999/").status_code == 404


# --- Query counts -----------------------------------------------------------------------


def _contracts_with_use(count: int, by: User, agent: User) -> None:
    for n in range(count):
        org = OrganizationFactory.create()
        contact = UserFactory.create(organization=org)
        bank = _bank(org, by, name=f"Bank {n}")
        services.top_up_bank(bank, units=600, price_minor=1000, by=by)
        services.create_contract(
            org, by=by, name=f"Capped {n}", kind="capped", unit="hours", cap_units=600,
            starts_on=THIS_YEAR, fee_minor=100,
        )  # fmt: skip
        ticket = tickets.open_ticket(
            requester=contact, submitter=contact, subject="Help", body="Help.", channel="web"
        )
        services.log_work(ticket, agent=agent, minutes=30)


@pytest.mark.parametrize("status", ["active", "all"])
def test_the_list_costs_the_same_queries_for_2_or_12_organizations(
    admin_user: User, agent: User, status: str
) -> None:
    client = _client(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/contracts/?status={status}")
            assert response.status_code == 200
        return len(captured)

    _contracts_with_use(2, admin_user, agent)
    with_4 = queries()
    _contracts_with_use(10, admin_user, agent)
    assert queries() == with_4
    assert with_4 <= 10


def test_the_list_shows_used_and_remaining(
    admin_user: User, agent: User, acme: Organization, customer: User
) -> None:
    bank = _bank(acme, admin_user)
    services.top_up_bank(bank, units=1230, price_minor=0, by=admin_user)  # 20.5 h
    ticket = tickets.open_ticket(
        requester=customer, submitter=customer, subject="Help", body="Help.", channel="web"
    )
    services.log_work(ticket, agent=agent, minutes=95)
    html = _client(agent).get("/contracts/").content.decode()
    assert f'data-testid="used-{bank.pk}">1 h 35 min<' in html
    assert f'data-testid="remaining-{bank.pk}">18 h 55 min<' in html  # 1230 - 95 = 1135
    filtered = _client(agent).get("/contracts/?kind=capped", HTTP_HX_REQUEST="true")
    assert 'data-testid="no-contracts"' in filtered.content.decode()
