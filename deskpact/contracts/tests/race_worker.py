"""A separate process logging work against a bank in the test database (test_bank_race.py).

Django is set up inside the process, pointed at the test database the parent uses.
"""

from __future__ import annotations

import os
from typing import Any


def log_last_hour(
    database_name: str, ticket_id: int, agent_id: int, barrier: Any, results: Any
) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    import django

    django.setup()
    from django.db import connection

    from deskpact.accounts.models import User
    from deskpact.contracts import services
    from deskpact.contracts.errors import OverdraftExceeded
    from deskpact.tickets.models import Ticket

    connection.settings_dict["NAME"] = database_name
    try:
        ticket = Ticket.objects.get(pk=ticket_id)
        agent = User.objects.get(pk=agent_id)
        barrier.wait(timeout=60)  # every process logs at the same moment
        services.log_work(ticket, agent=agent, minutes=60)
        results.put((agent_id, "logged", ""))
    except OverdraftExceeded as exc:
        results.put((agent_id, "refused", exc.message))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((agent_id, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()
