from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WebConfig(AppConfig):
    name = "deskpact.web"
    label = "web"
    verbose_name = "Web console and portal"


class DeskpactAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that signs people in through the desk's login page."""

    default = False  # deskpact.web itself is WebConfig; settings name this one explicitly
    default_site = "deskpact.web.admin_site.DeskpactAdminSite"
