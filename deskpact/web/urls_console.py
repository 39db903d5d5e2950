"""URLs of the agent console, mounted at /console/."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web import urls_worklogs
from deskpact.web.views import console, console_new, console_ticket

app_name = "console"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", console.home, name="home"),
    path("queues/<slug:which>/", console.ticket_list, name="queue"),
    path("tickets/new/", console_new.new_ticket, name="new_ticket"),
    path("tickets/bulk/", console.bulk_action, name="bulk"),
    path("requesters/", console_new.requester_options, name="requester_options"),
    path("tickets/<str:key>/", console_ticket.ticket_detail, name="ticket"),
    path("tickets/<str:key>/reply/", console_ticket.reply, name="reply"),
    path("tickets/<str:key>/note/", console_ticket.add_note, name="note"),
    path("tickets/<str:key>/assign/", console_ticket.assign, name="assign"),
    path("tickets/<str:key>/status/", console_ticket.change_status, name="status"),
    path("tickets/<str:key>/priority/", console_ticket.set_priority, name="priority"),
    path("tickets/<str:key>/cause/", console_ticket.set_cause, name="cause"),
]
urlpatterns += urls_worklogs.urlpatterns
