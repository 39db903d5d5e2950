from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "deskpact.licensing"
    label = "licensing"
    verbose_name = "Licensing"
