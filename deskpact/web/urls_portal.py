"""URLs of the customer portal, mounted at /portal/."""

from django.urls import path

from deskpact.web.views import home

app_name = "portal"
urlpatterns = [
    path("", home.portal_home, name="home"),
]
