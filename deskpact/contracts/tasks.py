"""Background jobs of the contracts area: low-balance warnings and block expiry."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

from deskpact.core.money import Money


@task()
def send_balance_warning(*, warning_id: int) -> None:
    """Tell the organization's contacts and the account manager that a balance is low."""
    from deskpact.accounts.models import User
    from deskpact.contracts import services
    from deskpact.contracts.models import BalanceWarning

    warning = BalanceWarning.objects.select_related(
        "contract__organization", "contract__account_manager"
    ).get(pk=warning_id)
    contract = warning.contract
    if warning.measure == BalanceWarning.Measure.DEPOSIT:
        left = f"The deposit has {Money(warning.balance, contract.currency)} left"
    elif services.uses_incidents(contract):
        left = f"The bank has {warning.balance} incidents left"
    else:
        left = f"The bank has {warning.balance / 60:.2f} hours left"
    contacts = User.objects.filter(
        organization_id=contract.organization_id, is_active=True, role=User.Role.USER
    ).values_list("email", flat=True)
    to = sorted(
        {*contacts, *([contract.account_manager.email] if contract.account_manager else [])}
    )
    if not to:
        return
    body = (
        f"{left} on your support contract {contract.name} ({contract.organization.name}).\n\n"
        "Top up before it runs out: ask your account manager or reply to this message.\n"
    )
    EmailMultiAlternatives(
        subject=f"Low balance on {contract.name}",
        body=body,
        to=to,
        headers={"Auto-Submitted": "auto-generated"},
    ).send()


@task()
def expire_blocks_task() -> None:
    """Daily: write off units left in blocks past their expiry date."""
    from deskpact.contracts import services

    services.expire_blocks(on=timezone.localdate())
