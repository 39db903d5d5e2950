"""Read the outgoing mail server from one URL, e.g. smtp+tls://user:pass@host:587."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_SMTP = "django.core.mail.backends.smtp.EmailBackend"


@dataclass(frozen=True)
class EmailSettings:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False


def parse_email_url(url: str) -> EmailSettings:
    """Return the mail settings an EMAIL_URL describes; unknown schemes are an error."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in _BACKENDS:
        return EmailSettings(backend=_BACKENDS[scheme])
    if scheme not in {"smtp", "smtp+tls", "smtps", "submission"}:
        raise ValueError(
            f"EMAIL_URL: unknown scheme {scheme!r}; use smtp://, smtp+tls://, smtps:// or console://"
        )
    use_ssl = scheme == "smtps"
    use_tls = scheme in {"smtp+tls", "submission"}
    default_port = 465 if use_ssl else 587 if use_tls else 25
    return EmailSettings(
        backend=_SMTP,
        host=parts.hostname or "localhost",
        port=parts.port or default_port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )
