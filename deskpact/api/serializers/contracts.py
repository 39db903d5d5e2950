"""Support contracts, their balances, top-ups and ledger rows (money in minor units)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from deskpact.accounts.models import Organization, User
from deskpact.api.filters import MAX_ID
from deskpact.contracts.models import Contract
from deskpact.tickets.models import KEY_PREFIX, Ticket


def id_ref(queryset: Any, **kwargs: Any) -> serializers.PrimaryKeyRelatedField[Any]:
    """A row by id; ids beyond what a database holds are refused before any SQL."""
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset,
        pk_field=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        **kwargs,
    )


def ticket_key(ticket_id: int | None) -> str | None:
    return f"{KEY_PREFIX}{ticket_id}" if ticket_id else None


class EnumField(serializers.ChoiceField):
    """A choice field published as its own named enum component.

    Several resources share field names with different choices (a contract's `kind` and a
    ledger row's, a contract's `status` and a ticket's); naming each set keeps the schema's
    enums distinct without the generator guessing names."""

    def __init__(self, *, enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(**kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        field = self.target
        schema = build_choice_field(field)
        schema["enum"] = [value for value in schema["enum"] if value not in ("", None)]
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={k: v for k, v in schema.items() if k in ("type", "enum", "description")},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


def rate_field() -> serializers.DecimalField:
    """A rate per hour, incident or minute; empty: the price book's in force on the day."""
    return serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal("0"), required=False, allow_null=True
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A prepaid bank of hours",
            value={
                "id": 7,
                "organization": 3,
                "name": "Acme support bank 2026",
                "kind": "bank",
                "unit": "hours",
                "starts_on": "2026-01-01",
                "ends_on": "2026-12-31",
                "status": "active",
                "channels": ["web", "email", "phone"],
                "currency": "EUR",
                "fee_minor": 0,
                "hourly_rate": None,
                "overage_rate": "120.0000",
                "incident_rate": None,
                "minute_rate": None,
                "cap_units": None,
                "threshold_units": 120,
                "threshold_minor": 0,
                "exhaustion": "overage",
                "overdraft_units": 600,
                "rounding_minutes": 15,
                "minimum_minutes": 15,
                "incident_window_minutes": 120,
                "waiver_causes": ["product_defect"],
                "covered_modules": [],
                "contacts_policy": "named",
                "max_named_contacts": 2,
                "authorized_contacts": [12, 15],
                "card_on_file": False,
                "account_manager": 2,
                "renews": None,
                "created_at": "2025-12-18T09:30:00Z",
            },
            response_only=True,
        )
    ]
)
class ContractOut(serializers.ModelSerializer):
    kind = EnumField(enum_name="ContractKindEnum", choices=Contract.Kind.choices, read_only=True)
    status = EnumField(
        enum_name="ContractStatusEnum", choices=Contract.Status.choices, read_only=True
    )
    channels = serializers.ListField(
        child=EnumField(enum_name="ChannelEnum", choices=Ticket.Channel.choices),
        read_only=True,
        help_text="Channels covered.",
    )
    waiver_causes = serializers.ListField(
        child=EnumField(enum_name="CauseEnum", choices=Ticket.Cause.choices),
        read_only=True,
        help_text="Ticket causes whose incidents and minutes are free.",
    )
    authorized_contacts: serializers.PrimaryKeyRelatedField[Any] = (
        serializers.PrimaryKeyRelatedField(
            many=True, read_only=True, help_text="Ids of the named contacts (policy `named`)."
        )
    )

    class Meta:
        model = Contract
        fields = (
            "id",
            "organization",
            "name",
            "kind",
            "unit",
            "starts_on",
            "ends_on",
            "status",
            "channels",
            "currency",
            "fee_minor",
            "hourly_rate",
            "overage_rate",
            "incident_rate",
            "minute_rate",
            "cap_units",
            "threshold_units",
            "threshold_minor",
            "exhaustion",
            "overdraft_units",
            "rounding_minutes",
            "minimum_minutes",
            "incident_window_minutes",
            "waiver_causes",
            "covered_modules",
            "contacts_policy",
            "max_named_contacts",
            "authorized_contacts",
            "card_on_file",
            "account_manager",
            "renews",
            "created_at",
        )
        read_only_fields = fields
        extra_kwargs = {
            "covered_modules": {"help_text": "Modules whose updates and enhancements it covers."},
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An annual cap of 100 hours",
            value={
                "organization": 3,
                "name": "Acme annual support 2026",
                "kind": "capped",
                "unit": "hours",
                "starts_on": "2026-01-01",
                "ends_on": "2026-12-31",
                "fee_minor": 1200000,
                "cap_units": 6000,
                "overage_rate": "110.0000",
                "channels": ["web", "email", "phone"],
            },
            request_only=True,
        ),
        OpenApiExample(
            "A per-minute phone line with a card on file",
            value={
                "organization": 3,
                "name": "Acme hotline",
                "kind": "per_minute",
                "starts_on": "2026-01-01",
                "channels": ["phone"],
                "minute_rate": "2.5000",
                "threshold_minor": 5000,
                "card_on_file": True,
            },
            request_only=True,
        ),
    ]
)
class ContractIn(serializers.Serializer):
    """Quantities in units (minutes for hour contracts, incidents for incident contracts);
    money in the organization's minor units; a rate left empty comes from the price book."""

    organization = id_ref(Organization.objects.all())
    name = serializers.CharField(max_length=200)
    kind = EnumField(enum_name="ContractKindEnum", choices=Contract.Kind.choices)
    unit = serializers.ChoiceField(
        choices=Contract.Unit.choices,
        required=False,
        allow_blank=True,
        help_text="Capped and bank: hours or incidents; other kinds set it themselves.",
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="Empty: open-ended.")
    channels = serializers.ListField(
        child=EnumField(enum_name="ChannelEnum", choices=Ticket.Channel.choices),
        required=False,
        min_length=1,
        max_length=4,
        help_text="Default: every channel.",
    )
    fee_minor = serializers.IntegerField(min_value=0, max_value=MAX_ID, required=False)
    hourly_rate = rate_field()
    overage_rate = rate_field()
    incident_rate = rate_field()
    minute_rate = rate_field()
    cap_units = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True
    )
    threshold_units = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    threshold_minor = serializers.IntegerField(min_value=0, max_value=MAX_ID, required=False)
    exhaustion = serializers.ChoiceField(choices=Contract.Exhaustion.choices, required=False)
    overdraft_units = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, allow_null=True
    )
    rounding_minutes = serializers.IntegerField(min_value=1, max_value=1440, required=False)
    minimum_minutes = serializers.IntegerField(min_value=0, max_value=1440, required=False)
    incident_window_minutes = serializers.IntegerField(min_value=1, max_value=32767, required=False)
    waiver_causes = serializers.ListField(
        child=EnumField(enum_name="CauseEnum", choices=Ticket.Cause.choices),
        required=False,
        max_length=len(Ticket.Cause.choices),
    )
    covered_modules = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=200
    )
    contacts_policy = serializers.ChoiceField(choices=Contract.Contacts.choices, required=False)
    max_named_contacts = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    authorized_contacts = serializers.ListField(
        child=id_ref(User.objects.filter(is_active=True)),
        required=False,
        max_length=1000,
        help_text="Ids of the organization's contacts the contract names.",
    )
    card_on_file = serializers.BooleanField(required=False)
    account_manager = id_ref(
        User.objects.filter(is_active=True, role__in=(User.Role.AGENT, User.Role.ADMIN)),
        required=False,
        allow_null=True,
        help_text="An agent or admin, warned with the contacts when a balance runs low.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample("End at the month's end", {"ends_on": "2026-06-30"}, request_only=True)
    ]
)
class ContractEndIn(serializers.Serializer):
    ends_on = serializers.DateField(required=False, help_text="Default: today.")


@extend_schema_serializer(
    examples=[OpenApiExample("Renew for a year", {"ends_on": "2027-12-31"}, request_only=True)]
)
class ContractRenewIn(serializers.Serializer):
    ends_on = serializers.DateField(
        required=False, allow_null=True, help_text="Default: a term as long as this one."
    )
