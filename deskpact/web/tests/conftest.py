"""Browser tests drive Debian's Chromium through Playwright; nothing is downloaded."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

CHROMIUM = os.environ.get("DESKPACT_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if shutil.which(CHROMIUM):
        return
    if os.environ.get("DESKPACT_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"browser tests need Chromium at {CHROMIUM} (apt install chromium)")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}; CI installs it")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
