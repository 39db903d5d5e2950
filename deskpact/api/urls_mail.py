from django.urls import path

from deskpact.api.views.mail import InboundMailView

urlpatterns = [
    path("v1/mail/inbound/", InboundMailView.as_view(), name="api-mail-inbound"),
]
