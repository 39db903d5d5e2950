from __future__ import annotations

from typing import Any

from rest_framework import serializers

from deskpact.accounts.models import Organization, User


class UserOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = (
            "id",
            "email",
            "name",
            "role",
            "organization",
            "trained_until",
            "is_active",
            "last_login",
            "created_at",
        )
        read_only_fields = fields


class UserIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=User.Role.choices, required=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    trained_until = serializers.DateField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(
        write_only=True,
        required=False,
        min_length=1,
        style={"input_type": "password"},
        help_text="A temporary password the person must change at first login.",
    )


class UserChangeIn(UserIn):
    """What an admin may change about a person; passwords go through the reset flow."""

    password = None  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Refused, not ignored: a 200 that left the password as it was would mislead.
        if "password" in self.initial_data:
            raise serializers.ValidationError(
                {"password": "Passwords change through the password reset, not here."},
                code="read_only",
            )
        return attrs


class TokenIn(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="What the token is for, e.g. the client's name.",
    )


class TokenOut(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown once.")
    prefix = serializers.CharField()
    user = UserOut()
