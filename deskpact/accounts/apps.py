from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "deskpact.accounts"
    label = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from deskpact.accounts import signals  # noqa: F401  (connects login/logout receivers)
