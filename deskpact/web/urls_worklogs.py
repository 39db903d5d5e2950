"""Console routes for work logs, timers and calls on a ticket (console namespace)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
