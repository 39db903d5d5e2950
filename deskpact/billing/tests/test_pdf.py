"""The invoice PDF: an A4 document WeasyPrint renders, read back with poppler's pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from deskpact.billing.documents import invoice_pdf
from deskpact.billing.models import Invoice, InvoiceLine
from deskpact.billing.tests.test_pages_invoices import (
    Desk,
    client_for,
    desk,
    initech_october,
    issued,
    nakamura_october,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]

__all__ = ["desk"]  # the fixture, shared with the page tests

A4_POINTS = (595.28, 841.89)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text in reading layout (a table row stays on one line), its whitespace
    collapsed so that a row reads as one phrase: "Total 1,291.15 EUR"."""
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
        text=True,
    )
    return " ".join(done.stdout.split())


def page_size(pdf: bytes, tmp_path: Path) -> tuple[float, float]:
    path = tmp_path / "size.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, check=True, timeout=60, text=True
    ).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, _, height = size.split(":", 1)[1].split()[:3]
    return float(width), float(height)


def _download(client: Client, url: str, invoice: Invoice) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    return response.content


def test_the_pdf_shows_the_number_customer_lines_and_totals(desk: Desk, tmp_path: Path) -> None:
    b = initech_october(desk)
    invoice = issued(b, desk)
    pdf = _download(client_for(desk.agent), f"/invoices/{invoice.pk}/pdf/", invoice)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert f"Invoice {invoice.number}" in text
    assert "Initech" in text and "Deskpact Support" in text
    assert "Period 2026-10-01 to 2026-10-31" in text
    assert invoice.issued_at is not None
    issued_on = timezone.localtime(invoice.issued_at, ZoneInfo(b.org.time_zone)).date()
    assert f"Issue date {issued_on:%Y-%m-%d}" in text
    assert f"Due date {invoice.due_on:%Y-%m-%d}" in text
    for line in InvoiceLine.objects.filter(invoice=invoice).exclude(part="waived"):
        assert " ".join(line.description.split()) in text
    for amount in ("75.00 EUR", "30.00 EUR", "80.00 EUR", "0.00 EUR", "900.00 EUR"):
        assert amount in text
    assert "Waived:" in text and "product defect" in text.lower()
    assert "Subtotal 1,085.00 EUR" in text
    assert "Tax 19% 206.15 EUR" in text
    assert "Total 1,291.15 EUR" in text
    assert "Remaining bank balances" in text and "Initech bank" in text and "10 h" in text
    assert (
        "Payment terms" in text and f"Please pay 1,291.15 EUR by {invoice.due_on:%Y-%m-%d}" in text
    )
    width, height = page_size(pdf, tmp_path)
    assert (round(width), round(height)) == (round(A4_POINTS[0]), round(A4_POINTS[1]))


def test_the_customer_downloads_the_same_yen_pdf(desk: Desk, tmp_path: Path) -> None:
    b = nakamura_october(desk)
    invoice = issued(b, desk)
    pdf = _download(client_for(b.contact), f"/portal/invoices/{invoice.pk}/pdf/", invoice)
    text = pdf_text(pdf, tmp_path)
    assert f"Invoice {invoice.number}" in text and "Nakamura KK" in text
    assert "37,037 JPY" in text
    assert "Tax 10% 3,704 JPY" in text
    assert "Total 40,741 JPY" in text


def test_a_void_invoice_says_so_and_lists_its_credit_note(desk: Desk, tmp_path: Path) -> None:
    from deskpact.billing import services

    invoice = issued(nakamura_october(desk), desk)
    note = services.void_invoice(invoice, by=desk.admin, reason="Billed twice")
    invoice.refresh_from_db()
    text = pdf_text(invoice_pdf(invoice), tmp_path)
    assert "VOID" in text.upper() and note.number in text and "Billed twice" in text
    assert "Please pay" not in text


def test_the_provider_from_settings_is_printed(
    desk: Desk, tmp_path: Path, settings: object
) -> None:
    settings.DESKPACT_PROVIDER = {  # type: ignore[attr-defined]
        "name": "Northwind Support GmbH",
        "address": "Hafenstraße 1\n20457 Hamburg",
        "bank": ["IBAN DE02 1203 0000 0000 2020 51"],
        "payment_terms": "Net 14 days.",
    }
    invoice = issued(nakamura_october(desk), desk)
    text = pdf_text(invoice_pdf(invoice), tmp_path)
    assert "Northwind Support GmbH" in text and "Hafenstraße 1" in text
    assert "IBAN DE02 1203 0000 0000 2020 51" in text and "Net 14 days." in text
