"""Console routes for work logs, timers and calls on a ticket (console namespace)."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web.views import console_work

urlpatterns: list[URLPattern | URLResolver] = [
    path("tickets/<str:key>/work/", console_work.log_work, name="log_work"),
    path("tickets/<str:key>/timer/start/", console_work.start_timer, name="start_timer"),
    path("tickets/<str:key>/timer/stop/", console_work.stop_timer, name="stop_timer"),
    path("tickets/<str:key>/call/", console_work.log_call, name="log_call"),
    path("tickets/<str:key>/contract/", console_work.change_contract, name="change_contract"),
    path(
        "tickets/<str:key>/contract/override/",
        console_work.override_authorization,
        name="override_authorization",
    ),
]
