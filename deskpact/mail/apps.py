from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "deskpact.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        from deskpact.core.background import every
        from deskpact.mail.tasks import resend_pending_mail

        # Mail that failed, or whose process stopped before sending it, goes out again.
        every(60, "resend pending mail")(lambda: resend_pending_mail.enqueue())
