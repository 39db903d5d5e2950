"""The contract advisor page for agents and admins, mounted at /contracts/advice/."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web.views import contract_advice

app_name = "contract_advice"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", contract_advice.advice_page, name="advice"),
]
