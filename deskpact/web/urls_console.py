"""URLs of the agent console, mounted at /console/."""

from django.urls import path

from deskpact.web.views import home

app_name = "console"
urlpatterns = [
    path("", home.console_home, name="home"),
]
