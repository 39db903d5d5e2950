"""License keys: signed license terms in one copy-pasteable string (SPEC §3).

A key is `DPL1.<payload>.<signature>`: the payload is the terms as compact JSON, the
signature an Ed25519 signature of `DPL1.<payload>`; both base64url without padding.
The payload names the signing key by its id (the start of the SHA-256 of the public
key), so a key signed elsewhere is told apart from one that was changed after signing.

Plain functions: no database, no settings, no clock. The trusted public keys come in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from deskpact.core.currencies import MINOR_UNITS
from deskpact.licensing.policy import LicenseModel

PREFIX = "DPL1"
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
MAX_KEY_CHARS = 4000  # a real key is about 500; anything far longer is not one
MAX_SEATS = 100_000


class SeatType(StrEnum):
    NAMED = "named"
    CONCURRENT = "concurrent"


class InvalidKey(ValueError):
    """A key that cannot be used; the message says why, for the person pasting it."""


@dataclass(frozen=True)
class LicenseTerms:
    licensee: str
    model: LicenseModel
    seat_type: SeatType
    seats: int
    price_per_seat: Decimal  # per seat and month, in `currency`
    currency: str
    valid_until: date
    grace_days: int = 0
    overdraft_percent: int = 0
    license_id: str = ""
    key_id: str = ""  # which signing key vouches for these terms

    @property
    def ends_on(self) -> date:
        """The last day the terms hold: valid_until plus the grace days."""
        return date.fromordinal(self.valid_until.toordinal() + self.grace_days)

    @property
    def monthly_fee(self) -> Decimal:
        """What the license costs a month: seats x price per seat (the monthly statement)."""
        return self.seats * self.price_per_seat

    @property
    def overdraft_seats(self) -> int:
        """Seats the desk may use beyond `seats`, with a warning: the percent, rounded down."""
        return self.seats * self.overdraft_percent // 100


# --- key pairs ---------------------------------------------------------------------------


def new_key_pair() -> tuple[bytes, str]:
    """A new signing key: (private key as PEM, public key as base64url text for settings)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return pem, public_text(private.public_key())


def public_text(public: Ed25519PublicKey) -> str:
    return _b64(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def key_id(public: str) -> str:
    """A short name for a public key (16 hex digits), written into every key it signs."""
    return hashlib.sha256(_unb64(public, what="public key")).hexdigest()[:16]


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        private = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidKey(f"Not an unencrypted PEM private key: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise InvalidKey("The private key is not an Ed25519 key.")
    return private


def load_public_key(text: str) -> Ed25519PublicKey:
    raw = _unb64(text.strip(), what="public key")
    if len(raw) != 32:
        raise InvalidKey(f"A public key is 32 bytes; {text[:12]!r}… is {len(raw)}.")
    return Ed25519PublicKey.from_public_bytes(raw)


# --- signing and reading -----------------------------------------------------------------


def sign(terms: LicenseTerms, private: Ed25519PrivateKey) -> str:
    """The key for `terms`, signed with `private` (a license id is made when there is none)."""
    check_terms(terms)
    payload = {
        **asdict(terms),
        "model": str(terms.model),
        "seat_type": str(terms.seat_type),
        "price_per_seat": str(terms.price_per_seat),
        "valid_until": terms.valid_until.isoformat(),
        "license_id": terms.license_id or secrets.token_hex(8),
        "key_id": key_id(public_text(private.public_key())),
    }
    body = _b64(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
    signed = f"{PREFIX}.{body}"
    return f"{signed}.{_b64(private.sign(signed.encode()))}"


def read(key: str, trusted: list[str]) -> LicenseTerms:
    """The terms of `key` if one of the `trusted` public keys signed it; InvalidKey if not."""
    text = "".join((key or "").split())  # pasted keys wrap; whitespace is never part of one
    if not text:
        raise InvalidKey("The license key is empty.")
    if len(text) > MAX_KEY_CHARS:
        raise InvalidKey(f"That is not a license key: it is {len(text)} characters long.")
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise InvalidKey(
            f"That is not a license key: a key has three parts, starts with {PREFIX}. and "
            "was perhaps cut short when copied."
        )
    _, body, signature = parts
    try:
        payload = json.loads(_unb64(body, what="license key"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidKey("The license key is damaged: its terms cannot be read.") from None
    if not isinstance(payload, dict):
        raise InvalidKey("The license key is damaged: its terms cannot be read.")
    signer = _signer(payload.get("key_id"), trusted)
    try:
        signer.verify(_unb64(signature, what="license key"), f"{PREFIX}.{body}".encode())
    except InvalidSignature:
        raise InvalidKey(
            "The license key's signature does not match its terms: it was changed or damaged "
            "after it was issued."
        ) from None
    terms = _terms(payload)
    check_terms(terms)
    return terms


def _signer(kid: Any, trusted: list[str]) -> Ed25519PublicKey:
    by_id = {key_id(text): text for text in trusted}
    if not isinstance(kid, str) or kid not in by_id:
        known = ", ".join(sorted(by_id)) or "none"
        raise InvalidKey(
            f"The license key was signed by a key this desk does not trust (key id {kid}); "
            f"trusted key ids: {known}. Check DESKPACT_LICENSE_PUBLIC_KEYS."
        )
    return load_public_key(by_id[kid])


def _terms(payload: dict[str, Any]) -> LicenseTerms:
    try:
        return LicenseTerms(
            licensee=str(payload["licensee"]),
            model=LicenseModel(payload["model"]),
            seat_type=SeatType(payload["seat_type"]),
            seats=_int(payload["seats"]),
            price_per_seat=Decimal(str(payload["price_per_seat"])),
            currency=str(payload["currency"]),
            valid_until=date.fromisoformat(str(payload["valid_until"])),
            grace_days=_int(payload.get("grace_days", 0)),
            overdraft_percent=_int(payload.get("overdraft_percent", 0)),
            license_id=str(payload.get("license_id", "")),
            key_id=str(payload.get("key_id", "")),
        )
    except KeyError as exc:
        raise InvalidKey(f"The license key lacks its {exc.args[0]}.") from None
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise InvalidKey(f"The license key's terms are invalid: {exc}") from None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def check_terms(terms: LicenseTerms) -> None:
    """Refuse terms no license can have, naming the field."""
    problems = {
        "licensee": not terms.licensee.strip() or len(terms.licensee) > 200,
        "seats": not 1 <= terms.seats <= MAX_SEATS,
        "price_per_seat": not terms.price_per_seat.is_finite() or terms.price_per_seat < 0,
        "currency": terms.currency not in MINOR_UNITS,
        "grace_days": not 0 <= terms.grace_days <= 365,
        "overdraft_percent": not 0 <= terms.overdraft_percent <= 100,
    }
    bad = [name for name, wrong in problems.items() if wrong]
    if bad:
        raise InvalidKey(f"Invalid license terms: {', '.join(bad)}.")
    if terms.price_per_seat.as_tuple().exponent < -MINOR_UNITS[terms.currency]:  # type: ignore[operator]
        raise InvalidKey(
            f"Invalid license terms: price_per_seat has more decimals than {terms.currency} has."
        )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str, *, what: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise InvalidKey(f"The {what} is damaged: it holds characters no key has.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidKey(f"The {what} is damaged: it holds characters no key has.") from None
