from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "deskpact.web"
    label = "web"
    verbose_name = "Web console and portal"
