"""Email domains an organization claims: senders from them join it automatically."""

from __future__ import annotations

import re

# One or more labels of letters, digits and inner hyphens, ending in an alphabetic TLD.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")


class InvalidDomain(ValueError):
    pass


def normalize_domain(raw: str) -> str:
    """Lower-case, IDNA-encoded form of a domain, or InvalidDomain saying what is wrong."""
    text = raw.strip().lower()
    text = text.removeprefix("@").removesuffix(".")  # one root dot only: "a.com.." is invalid
    if not text:
        raise InvalidDomain("a domain cannot be empty")
    try:
        text = ".".join(_label_to_ascii(label, raw) for label in text.split("."))
    except UnicodeError:
        raise InvalidDomain(f"{raw.strip()!r} is not a valid domain name") from None
    if len(text) > 253 or not _DOMAIN.match(text):
        raise InvalidDomain(f"{raw.strip()!r} is not a valid domain name")
    return text


def _label_to_ascii(label: str, raw: str) -> str:
    if label.isascii():
        return label
    encoded = label.encode("idna").decode("ascii")
    # Python's codec is IDNA 2003, which maps some letters away (straße becomes strasse,
    # another registrant's name under IDNA 2008): refuse a label it does not keep as typed.
    if encoded.encode("ascii").decode("idna") != label:
        raise InvalidDomain(f"{raw.strip()!r} is ambiguous: enter the xn-- form of the domain")
    return encoded


def parse_domains(values: list[str] | str) -> list[str]:
    """Normalised, de-duplicated domains from a list or a comma/space separated text."""
    items = re.split(r"[\s,;]+", values) if isinstance(values, str) else values
    seen: dict[str, None] = {}
    for item in items:
        if isinstance(item, str) and item.strip():
            seen.setdefault(normalize_domain(item), None)
    return list(seen)
