"""Checks on free text before it is stored: what PostgreSQL and mail cannot carry."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    """Strip outer whitespace; refuse NUL bytes, lone surrogates, empty or over-long text."""

    def refuse(message: str, code: str) -> ValidationError:
        return ValidationError({field: [ValidationError(message, code=code)]})

    if not isinstance(value, str):
        raise refuse("Expected text.", "invalid")
    if _NUL_OR_SURROGATE.search(value):
        raise refuse("Contains a NUL byte or an invalid character.", "invalid_characters")
    text = value.strip()
    if required and not text:
        raise refuse("May not be empty.", "required")
    if len(text) > max_length:
        raise refuse(f"At most {max_length} characters (got {len(text)}).", "too_long")
    return text
