"""URLs of the customer portal, mounted at /portal/."""

from django.urls import path

from deskpact.web.views import portal

app_name = "portal"
urlpatterns = [
    path("", portal.home, name="home"),
    path("tickets/new/", portal.new_ticket, name="new_ticket"),
    path("tickets/<str:key>/", portal.ticket_detail, name="ticket"),
    path("tickets/<str:key>/reply/", portal.reply, name="reply"),
    path("tickets/<str:key>/rate/", portal.rate, name="rate"),
]
