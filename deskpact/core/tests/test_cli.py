"""The `deskpact` entry point runs Django's management commands too."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from deskpact.accounts.models import User
from deskpact.cli import main


@pytest.mark.django_db
def test_createsuperuser_noinput_makes_an_admin_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Boss@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_NAME", "Boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "long-enough-password-1")
    call_command("createsuperuser", interactive=False, verbosity=0)
    boss = User.objects.get()
    assert (boss.email, boss.role, boss.is_staff) == ("boss@example.com", "admin", True)
    assert boss.check_password("long-enough-password-1")


def test_deskpact_runs_django_commands(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_unknown_command_exits_with_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 1
    assert "Unknown command: 'no-such-command'" in capsys.readouterr().err
