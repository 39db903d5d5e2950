"""Filters shared by the API's lists."""

from __future__ import annotations

from typing import Any

import django_filters
import django_filters.rest_framework
from django import forms

MAX_ID = 2**63 - 1  # the largest id the databases hold; beyond it SQLite overflows


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdFilter(django_filters.Filter):
    # A plain id, not a choice of existing rows: "not a valid choice" for an unknown id but
    # an empty page for a hidden one would tell a customer which ids exist.
    field_class = IdField


# Query parameters that are never filters: paging, ordering and search.
NOT_FILTERS = frozenset({"cursor", "page", "page_size", "ordering", "q", "format"})


class FilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    """django-filter's backend, skipped when the request carries no filter parameter at
    all: building a FilterSet deep-copies every filter, a cost a plain page need not pay."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if not (set(request.query_params) - NOT_FILTERS):
            return queryset
        return super().filter_queryset(request, queryset, view)
