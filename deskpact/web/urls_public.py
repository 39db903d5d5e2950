"""The public web form (no sign-in) and attachment downloads, mounted at the site root."""

from django.urls import path

from deskpact.web.views import attachments, public_form

urlpatterns = [
    path("submit/", public_form.submit, name="web_form"),
    path("submit/<slug:slug>/", public_form.submit, name="web_form_queue"),
    path("submit/<slug:slug>/thanks/", public_form.thanks, name="web_form_thanks"),
    path("attachments/<int:attachment_id>/", attachments.download, name="attachment"),
]
