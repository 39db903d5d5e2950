"""The production settings mode passes Django's deployment checklist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _deskpact(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskpact", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_in_production_mode(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DESKPACT_ENV": "production",
        "DESKPACT_DATA_DIR": str(tmp_path),
        "DESKPACT_ALLOWED_HOSTS": "desk.example.com",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for browser tests only
    env.pop("SECRET_KEY", None)  # the generated key kept in the data folder must pass too
    result = _deskpact(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_check_deploy_complains_in_development_mode(tmp_path: Path) -> None:
    env = {**os.environ, "DESKPACT_DATA_DIR": str(tmp_path), "DESKPACT_ENV": "development"}
    result = _deskpact(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr
