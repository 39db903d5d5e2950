"""URLs of the customer portal, mounted at /portal/."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web import urls_portal_contracts, urls_portal_invoices
from deskpact.web.views import portal

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", portal.home, name="home"),
    path("tickets/new/", portal.new_ticket, name="new_ticket"),
    path("tickets/<str:key>/", portal.ticket_detail, name="ticket"),
    path("tickets/<str:key>/reply/", portal.reply, name="reply"),
    path("tickets/<str:key>/rate/", portal.rate, name="rate"),
]
urlpatterns += urls_portal_contracts.urlpatterns
urlpatterns += urls_portal_invoices.urlpatterns
