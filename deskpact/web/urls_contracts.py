"""Contract management pages for admins, mounted at /contracts/ (contracts namespace)."""

from django.urls import URLPattern, URLResolver

app_name = "contracts"
urlpatterns: list[URLPattern | URLResolver] = []
