"""API routes of support contracts, work logs, calls and prices (under /api/)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
