"""Mail sources and their secrets: an API or pipe source proves itself with a secret.

The secret is shown once, when it is made; the desk keeps only its SHA-256 (the secret is
random and long, so a slow password hash would add nothing but time on every message).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.db import transaction

from deskpact.accounts.models import User
from deskpact.core import audit
from deskpact.mail.models import MailSource
from deskpact.tickets.models import Queue

PREFIX = "dpms"
# dpms_<source id>_<random>: the id finds the source, the random part proves the caller.
SECRET_SHAPE = re.compile(rf"^{PREFIX}_(\d{{1,18}})_([A-Za-z0-9_-]{{32,128}})$")
_NO_SOURCE_HASH = "sha256$" + "0" * 64  # compared against when the id matches no source


def hash_secret(secret: str) -> str:
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_source(
    *, name: str, kind: str, queue: Queue, address: str, by: User | None
) -> tuple[MailSource, str]:
    """Create a mail source with a fresh secret; returns the source and the secret, which
    is never shown again (only its hash is stored)."""
    source = MailSource(name=(name or "").strip(), kind=kind, queue=queue, address=address)
    source.address = (source.address or "").strip().lower()
    source.full_clean(exclude=["secret_hash"])
    source.save()
    secret = _new_secret(source)
    audit.record(
        "mail_source.created",
        source,
        actor=by,
        after={"name": source.name, "kind": source.kind, "address": source.address},
    )
    return source, secret


@transaction.atomic
def renew_secret(source: MailSource, *, by: User | None) -> str:
    """Replace a source's secret; the old one stops working at once."""
    secret = _new_secret(source)
    audit.record("mail_source.secret_renewed", source, actor=by, after={"name": source.name})
    return secret


def _new_secret(source: MailSource) -> str:
    secret = f"{PREFIX}_{source.pk}_{secrets.token_urlsafe(32)}"
    source.secret_hash = hash_secret(secret)
    source.save(update_fields=["secret_hash"])
    return secret


def source_for_secret(secret: str) -> MailSource | None:
    """The active source this secret belongs to, or None; compared in constant time."""
    match = SECRET_SHAPE.match(secret or "")
    source = None
    if match:
        source = (
            MailSource.objects.select_related("queue")
            .filter(pk=int(match.group(1)), is_active=True)
            .first()
        )
    stored = source.secret_hash if source is not None and source.secret_hash else _NO_SOURCE_HASH
    if not hmac.compare_digest(hash_secret(secret or "").encode(), stored.encode()):
        return None
    return source
