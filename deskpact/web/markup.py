"""Escaping and links for the HTML the console writes in Python (widgets.py, console_rows.py)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise


def esc(value: Any) -> str:
    """What django.utils.html.conditional_escape returns: safe strings as they are,
    anything else escaped (& < > " '). Without its check of every argument for lazy
    translations, which costs more than the escaping on a page of a few hundred values."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def address_maker(url_name: str, sample: str) -> Callable[[str], str]:
    """Addresses of `url_name` for many values of its one argument from a single reverse():
    reversing every row's link was a visible part of a list page."""
    head, _, tail = reverse(url_name, args=[sample]).rpartition(sample)
    return lambda value: f"{head}{value}{tail}"
