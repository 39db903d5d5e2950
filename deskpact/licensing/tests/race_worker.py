"""A separate process adding an agent to the test database (see test_seat_race.py).

Django is set up inside the process, pointed at the test database the parent uses.
"""

from __future__ import annotations

import os
from typing import Any


def add_agent(database_name: str, n: int, barrier: Any, results: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    import django

    django.setup()
    from django.db import connection

    from deskpact.accounts import services
    from deskpact.licensing.errors import NoSeatFree

    connection.settings_dict["NAME"] = database_name
    connection.ensure_connection()
    barrier.wait(timeout=60)  # every process asks at the same moment
    try:
        services.create_user(email=f"racer{n}@desk.example", name=f"R{n}", role="agent", by=None)
        results.put((n, "granted", ""))
    except NoSeatFree as exc:
        results.put((n, "refused", exc.message))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((n, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def churn_seat(
    database_name: str, user_id: int, barrier: Any, results: Any, seconds: float, rounds: int
) -> None:
    """Take and give back a concurrent seat over and over, for at most `seconds`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    import time

    import django

    django.setup()
    from django.db import connection

    from deskpact.accounts.models import User
    from deskpact.licensing import leases
    from deskpact.licensing.errors import NoSeatFree

    connection.settings_dict["NAME"] = database_name
    user = User.objects.get(pk=user_id)
    granted = refused = 0
    barrier.wait(timeout=60)
    deadline = time.monotonic() + seconds
    try:
        for _ in range(rounds):
            if time.monotonic() > deadline:
                break
            try:
                leases.checkout_seat(user)
            except NoSeatFree as exc:
                if "concurrent seats are in use" not in exc.message:
                    raise
                refused += 1
                continue
            granted += 1
            leases.release_seat(user)
        results.put((user_id, granted, refused, ""))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((user_id, granted, refused, f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()
