from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "deskpact.tickets"
    label = "tickets"
    verbose_name = "Tickets"
