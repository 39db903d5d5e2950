from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "deskpact.mail"
    label = "mail"
    verbose_name = "Mail"
