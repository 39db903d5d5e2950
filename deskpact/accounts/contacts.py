"""Customer contacts who reach the desk without an account (web form, email: SPEC §2).

An unknown sender becomes a `user`, joined to the organization that owns their email
domain, with no password until they choose one through the link the desk sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from deskpact.accounts.domains import InvalidDomain, normalize_domain
from deskpact.accounts.models import OrganizationDomain, User
from deskpact.core import audit
from deskpact.core.prepared import PreparedLookup
from deskpact.core.text import clean_text
from deskpact.licensing.services import claim_named_seat


@dataclass(frozen=True)
class Contact:
    user: User
    created: bool


def organization_for_email(email: str) -> OrganizationDomain | None:
    """The claim on the domain of `email`, compared in the form domains are stored in."""
    try:
        domain = normalize_domain(email.rsplit("@", 1)[-1])  # bücher.example: xn--bcher-kva…
    except InvalidDomain:
        return None
    return OrganizationDomain.objects.select_related("organization").filter(domain=domain).first()


def contact_address(email: str) -> str:
    """`email` as contacts are stored (lower case), or a ValidationError naming the field."""
    address = clean_text(email, field="email", max_length=254).lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": f"{email!r} is not a valid email address."}) from None
    return address


def find_contact(email: str) -> User | None:
    """The person behind `email` if the desk knows them (compared without case)."""
    return _known(contact_address(email))


# Emails are stored in lower case; LOWER(email) is what the unique index covers, so the
# lookup is an index probe (email__iexact compares UPPER() and reads the whole table).
_BY_ADDRESS: PreparedLookup[User] = PreparedLookup(
    lambda address: User.objects.alias(address=Lower("email")).filter(address=address).order_by(),
    "address",
)


def _known(address: str) -> User | None:
    return _BY_ADDRESS.first(address=address)


def find_or_create_contact(email: str, *, name: str = "", source: str) -> Contact:
    """The person behind `email`, created as a customer contact when unknown."""
    address = contact_address(email)
    existing = _known(address)
    if existing is not None:  # the common case needs no transaction of its own
        return Contact(existing, created=False)
    return _create_contact(address, name=name, source=source)


@transaction.atomic
def _create_contact(address: str, *, name: str, source: str) -> Contact:
    claimed = organization_for_email(address)
    user = User(
        email=address,
        name=clean_text(name, field="name", max_length=150, required=False),
        role=User.Role.USER,
        organization=claimed.organization if claimed else None,
    )
    user.set_unusable_password()
    claim_named_seat(user.role, field="email")  # Team model: every sender is licensed
    try:
        with transaction.atomic():  # two first messages from one sender at once: one user
            user.save()
    except IntegrityError:
        return Contact(User.objects.get(email__iexact=address), created=False)
    audit.record(
        "user.auto_created",
        user,
        actor=None,
        after={"email": address, "organization": user.organization_id, "source": source},
    )
    return Contact(user, created=True)
