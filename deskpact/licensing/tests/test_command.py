"""`deskpact license`: keygen, issue, install and show from a shell."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from deskpact.licensing.models import InstalledLicense

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("license", *args, stdout=out)
    return out.getvalue()


def test_keygen_issue_install_show(tmp_path: Path, settings: Any, monkeypatch: Any) -> None:
    printed = run("keygen", "--out", str(tmp_path))
    private = tmp_path / "license-private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    public = re.search(r"DESKPACT_LICENSE_PUBLIC_KEYS=(\S+)", printed)
    assert public is not None
    settings.LICENSE_PUBLIC_KEYS = [public.group(1)]
    key = run(
        "issue",
        *("--private-key", str(private), "--licensee", "Globex Helpdesk"),
        *("--model", "team", "--seat-type", "concurrent", "--seats", "8"),
        *("--price", "19.99", "--currency", "usd", "--valid-until", "2030-01-31"),
    ).strip()
    shown = run("install", "-", stdin=key + "\n", monkeypatch=monkeypatch)
    assert "Installed." in shown and "Globex Helpdesk (active)" in shown
    assert "8 concurrent" in shown and "19.99 USD per seat/month" in shown
    assert "until 2030-01-31, grace to 2030-02-14" in shown
    assert "Monthly:   8 x 19.99 = 159.92 USD" in shown
    assert InstalledLicense.objects.get().seats == 8
    assert "Globex Helpdesk (active)" in run("show")


def test_keygen_never_overwrites_a_signing_key(tmp_path: Path) -> None:
    run("keygen", "--out", str(tmp_path))
    before = (tmp_path / "license-private.pem").read_bytes()
    with pytest.raises(CommandError, match="exists"):
        run("keygen", "--out", str(tmp_path))
    assert (tmp_path / "license-private.pem").read_bytes() == before


def test_a_bad_key_is_a_command_error_that_says_why() -> None:
    with pytest.raises(CommandError, match="three parts"):
        run("install", "DPL1.nope")
    assert InstalledLicense.objects.count() == 0


def test_show_without_a_key_is_the_evaluation_license() -> None:
    shown = run("show")
    assert "Evaluation (evaluation)" in shown and "5 named" in shown
    assert "0 licensed users, 5 free" in shown
