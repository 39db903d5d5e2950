from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "deskpact.core"
    label = "core"
    verbose_name = "Core"
