import pytest

from deskpact.core.email_url import parse_email_url


def test_smtp_with_starttls_and_quoted_credentials() -> None:
    mail = parse_email_url("smtp+tls://desk%40example.com:p%2Fss@mail.example.com")
    assert mail.backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (mail.host, mail.port, mail.use_tls, mail.use_ssl) == (
        "mail.example.com",
        587,
        True,
        False,
    )
    assert (mail.user, mail.password) == ("desk@example.com", "p/ss")


def test_smtps_defaults_to_port_465_and_plain_smtp_to_25() -> None:
    assert parse_email_url("smtps://mail.example.com").port == 465
    assert parse_email_url("smtp://127.0.0.1:2525").port == 2525
    assert parse_email_url("smtp://mail.example.com").port == 25


def test_console_scheme_prints_mail() -> None:
    assert parse_email_url("console://").backend.endswith("console.EmailBackend")


def test_unknown_scheme_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="EMAIL_URL: unknown scheme 'imap'"):
        parse_email_url("imap://mail.example.com")
