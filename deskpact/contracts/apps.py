from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "deskpact.contracts"
    label = "contracts"
    verbose_name = "Support contracts"
    default_auto_field = "django.db.models.BigAutoField"
