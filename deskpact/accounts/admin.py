"""Admin screens for organizations and people; every save goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashField
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from deskpact.accounts import services
from deskpact.accounts.models import Organization, User, UserSession
from deskpact.accounts.requests import signed_in


class OrganizationForm(forms.ModelForm):
    domains = forms.CharField(
        required=False,
        help_text="Email domains, separated by commas or spaces. Senders from them join "
        "this organization.",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = Organization
        fields = ("name", "domains", "currency", "time_zone", "tax_rate", "shares_tickets")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["domains"] = ", ".join(self.instance.domain_names)

    def clean_domains(self) -> list[str]:
        try:
            return services.check_domains(self.instance, self.cleaned_data["domains"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["domains"]) from None


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ("name", "domain_list", "currency", "time_zone", "tax_rate", "shares_tickets")
    search_fields = ("name", "domains__domain")
    list_filter = ("currency", "shares_tickets")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description="domains")
    def domain_list(self, obj: Organization) -> str:
        return ", ".join(obj.domain_names)

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        services.save_organization(obj, by=signed_in(request), domains=form.cleaned_data["domains"])

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An organization with people is kept: tickets and contracts will hang off it.
        return super().has_delete_permission(request, obj) and not (obj and obj.users.exists())

    def delete_model(self, request: HttpRequest, obj: Organization) -> None:
        services.delete_organization(obj, by=signed_in(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        for organization in queryset:
            services.delete_organization(organization, by=signed_in(request))


class UserAddForm(forms.ModelForm):
    password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        help_text="A temporary password the person must change at first login. Leave empty "
        "to let them set one through the password reset page.",
    )

    class Meta:
        model = User
        fields = ("email", "name", "role", "organization", "trained_until")

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        password = self.cleaned_data.get("password")
        if password:
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(password, self.instance)
            except ValidationError as exc:
                self.add_error("password", exc)


class UserChangeForm(forms.ModelForm):
    # Shown, never edited: a text box would let a save store any text as the hash.
    password = ReadOnlyPasswordHashField(label="Password")

    class Meta:
        model = User
        fields = (
            "email",
            "name",
            "role",
            "organization",
            "trained_until",
            "is_active",
            "must_change_password",
        )


class UserSessionInline(admin.TabularInline):
    model = UserSession
    extra = 0
    fields = ("created_at", "ip_address", "user_agent")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "signed-in sessions"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = AdminPasswordChangeForm
    ordering = ("email",)
    list_display = ("email", "name", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "is_active", "organization")
    search_fields = ("email", "name")
    list_select_related = ("organization",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "created_at", "password_changed_at")
    inlines = (UserSessionInline,)
    actions = ("end_all_sessions",)
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        ("Role", {"fields": ("role", "organization", "trained_until", "is_active")}),
        ("Password", {"fields": ("must_change_password", "password_changed_at")}),
        ("History", {"fields": ("last_login", "created_at")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "name", "role", "organization", "trained_until", "password")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        actor = signed_in(request)
        if change:
            fields = {name: form.cleaned_data[name] for name in services.USER_FIELDS}
            services.update_user(obj, by=actor, **fields)
            return
        password = form.cleaned_data.get("password") or None
        services.add_user(obj, by=actor, password=password, must_change_password=bool(password))

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's set-password page, then the desk's rules: other sessions and tokens end."""
        user = self.get_object(request, unquote(id))
        old_hash = None if user is None else user.password
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            user.refresh_from_db(fields=["password"])
            if user.password != old_hash:
                admin_user = signed_in(request)
                keep = request.session.session_key if user.pk == admin_user.pk else None
                services.password_changed(user, keep_session_key=keep, by=admin_user)
        return response

    @admin.action(description="End all sessions and API tokens")
    def end_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        admin_user = signed_in(request)
        ended = sum(
            services.end_sessions(user, reason="ended_by_admin", by=admin_user) for user in queryset
        )
        messages.success(request, f"Ended {ended} sessions and tokens.")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # people are deactivated, never deleted: their history stays
