"""Inbound mail pages for admins, mounted at /mail/ (mail_admin namespace)."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web.views import mail_admin

app_name = "mail_admin"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", mail_admin.inbox, name="inbox"),
    path("sources/", mail_admin.source_list, name="sources"),
    path("<int:pk>/", mail_admin.message_detail, name="message"),
    path("<int:pk>/retry/", mail_admin.retry, name="retry"),
    path("<int:pk>/discard/", mail_admin.discard, name="discard"),
]
