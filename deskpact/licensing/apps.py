from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "deskpact.licensing"
    label = "licensing"
    verbose_name = "Licensing"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from deskpact.licensing.leases import note_sign_in, release_on_sign_out

        user_logged_in.connect(note_sign_in, dispatch_uid="deskpact-seat-sign-in")
        user_logged_out.connect(release_on_sign_out, dispatch_uid="deskpact-seat-release")
