from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "deskpact.api"
    label = "api"
    verbose_name = "REST API"
