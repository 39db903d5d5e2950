from django.contrib.auth import views as auth_views
from django.urls import include, path

from deskpact.web.views import auth, home, license

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", home.account, name="account"),
    path("license/", license.license_page, name="license"),
    path("license/advice/", license.advice_page, name="license_advice"),
    path("license/usage/", license.usage_page, name="license_usage"),
    path("license/seats/<int:user_id>/release/", license.release, name="license_release"),
    path("account/sign-out-everywhere/", auth.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("console/", include("deskpact.web.urls_console")),
    path("mail/", include("deskpact.web.urls_mail_admin")),
    path("invoices/", include("deskpact.web.urls_invoices")),
    path("reports/", include("deskpact.web.urls_reports")),
    path("contracts/advice/", include("deskpact.web.urls_contract_advice")),
    path("contracts/", include("deskpact.web.urls_contracts")),
    path("portal/", include("deskpact.web.urls_portal")),
    path("", include("deskpact.web.urls_public")),
]
