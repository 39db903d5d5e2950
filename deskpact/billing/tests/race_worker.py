"""A separate process issuing draft invoices in the test database (test_issue_race.py).

Django is set up inside the process, pointed at the test database the parent uses.
"""

from __future__ import annotations

import os
from typing import Any


def issue_drafts(database_name: str, invoice_ids: list[int], barrier: Any, results: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
    import django

    django.setup()
    from django.db import connection

    from deskpact.billing import services
    from deskpact.billing.models import Invoice

    connection.settings_dict["NAME"] = database_name
    try:
        drafts = list(Invoice.objects.filter(pk__in=invoice_ids).order_by("pk"))
        barrier.wait(timeout=60)  # every process issues at the same moment
        numbers = [services.issue_invoice(d, by=None).number for d in drafts]
        results.put(("issued", numbers))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()
