"""Every write to contracts, work logs and the ledger: checked, locked, in one transaction.

One door for callers; the rules live in rating.py, banks.py and entitlement.py, and the
writes by concept in lifecycle.py (contracts, prices, top-ups), ticket_contracts.py,
work.py (work logs, calls, timers) and incidents.py.
"""

from __future__ import annotations

from deskpact.contracts.charging import (
    Kind,
    Part,
    bank_debit,
    describe_units,
    lock_contract,
    price_entries,
    quantity_of,
    rate_for,
    send_warning_once,
    uses_incidents,
    warn_if_crossed,
    work_day,
)
from deskpact.contracts.incidents import (
    consume_incident,
)
from deskpact.contracts.lifecycle import (
    CONTRACT_FIELDS,
    add_price,
    adjust,
    create_contract,
    end_contract,
    expire_blocks,
    next_term_end,
    pay_deposit,
    record_training,
    renew_contract,
    top_up_bank,
)
from deskpact.contracts.ticket_contracts import (
    change_ticket_contract,
    entitlement_for,
    override_not_authorized,
    requester_of,
    state_of,
    terms_of,
)
from deskpact.contracts.work import (
    MAX_LOG_MINUTES,
    LogRequest,
    log_call,
    log_work,
    start_timer,
    stop_timer,
)

__all__ = [
    "CONTRACT_FIELDS",
    "MAX_LOG_MINUTES",
    "Kind",
    "LogRequest",
    "Part",
    "add_price",
    "adjust",
    "bank_debit",
    "change_ticket_contract",
    "consume_incident",
    "create_contract",
    "describe_units",
    "end_contract",
    "entitlement_for",
    "expire_blocks",
    "lock_contract",
    "log_call",
    "log_work",
    "next_term_end",
    "override_not_authorized",
    "pay_deposit",
    "price_entries",
    "quantity_of",
    "rate_for",
    "record_training",
    "renew_contract",
    "requester_of",
    "send_warning_once",
    "start_timer",
    "state_of",
    "stop_timer",
    "terms_of",
    "top_up_bank",
    "uses_incidents",
    "warn_if_crossed",
    "work_day",
]
