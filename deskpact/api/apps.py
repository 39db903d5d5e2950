from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "deskpact.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from deskpact.api import schema  # noqa: F401  (registers the schema extensions)
