"""Forms of the contract pages: they parse what an admin types into the services' units.

Hours are typed as hours and sent as minutes; incidents as whole numbers; money as a
decimal amount in the organization's currency, sent as integer minor units (EUR 1,234.56
-> 123456, JPY 5000 -> 5000). The rules themselves stay in contracts.services.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from deskpact.accounts.models import Organization, User
from deskpact.contracts.models import CHANNELS, Contract, Price
from deskpact.contracts.services import uses_incidents
from deskpact.core.currencies import CURRENCY_CHOICES, minor_units
from deskpact.tickets.models import Ticket

Kind = Contract.Kind
MAX_AMOUNT = Decimal("1000000000000")  # far beyond any fee; keeps minor units in a bigint


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AmountField(forms.Field):
    """A money amount as typed ("1234.56", "1,234.56"); made minor units by `to_minor`
    once the currency is known."""

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip().replace(",", "").replace(" ", "").replace("_", "")
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError("Enter an amount such as 1234.56.", code="invalid") from None
        if not amount.is_finite():
            raise ValidationError("Enter an amount such as 1234.56.", code="invalid")
        if amount < 0:
            raise ValidationError("An amount cannot be negative.", code="negative")
        if amount >= MAX_AMOUNT:
            raise ValidationError("That amount is too large.", code="too_large")
        return amount


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount in `currency` as integer minor units; more decimals than it has are refused."""
    digits = minor_units(currency)
    minor = amount.scaleb(digits)
    if minor != minor.to_integral_value():
        if digits == 0:
            raise ValidationError(f"{currency} amounts are whole numbers.", code="precision")
        raise ValidationError(
            f"{currency} amounts have at most {digits} decimals.", code="precision"
        )
    return int(minor)


def quantity_field(label: str, *, help_text: str = "", required: bool = False) -> Any:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=4,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


def to_units(value: Decimal, *, incidents: bool) -> int:
    """Hours as minutes (20.5 -> 1230), or a whole number of incidents."""
    if incidents:
        if value != value.to_integral_value():
            raise ValidationError("Incidents are counted in whole numbers.", code="whole")
        return int(value)
    minutes = value * 60
    if minutes != minutes.to_integral_value():
        raise ValidationError(
            "Hours must come to whole minutes (1.25 is 1 h 15 min).", code="whole"
        )
    return int(minutes)


def rate_field(label: str, per: str) -> Any:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=4,
        help_text=f"Per {per}, in the organization's currency. Empty: the price book's price "
        "on the day.",
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


class ContactChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        org = obj.organization.name if obj.organization_id else "no organization"
        return f"{obj.name or obj.email} <{obj.email}> ({org})"


class ManagerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name or obj.email} <{obj.email}>"


# The fields each kind takes beyond the common ones (name, organization, term, channels,
# contacts, account manager).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.AGREEMENT: ("fee", "covered_modules", "rounding_minutes", "minimum_minutes"),
    Kind.CAPPED: (
        "unit",
        "fee",
        "cap",
        "overage_rate",
        "rounding_minutes",
        "minimum_minutes",
        "incident_window_minutes",
    ),
    Kind.BANK: (
        "unit",
        "fee",
        "threshold",
        "exhaustion",
        "overdraft",
        "overage_rate",
        "rounding_minutes",
        "minimum_minutes",
        "incident_window_minutes",
    ),
    Kind.PER_INCIDENT: ("incident_rate", "incident_window_minutes", "waiver_causes"),
    Kind.PER_MINUTE: (
        "minute_rate",
        "threshold_amount",
        "card_on_file",
        "waiver_causes",
        "rounding_minutes",
        "minimum_minutes",
    ),
    Kind.PAYG: (
        "unit",
        "hourly_rate",
        "incident_rate",
        "rounding_minutes",
        "minimum_minutes",
        "incident_window_minutes",
        "waiver_causes",
    ),
}
OPTIONAL_FIELDS = sorted({name for names in KIND_FIELDS.values() for name in names})

# Where a service's error on a Contract field is shown on this form.
CONTRACT_ALIASES: Mapping[str, str] = {
    "fee_minor": "fee",
    "cap_units": "cap",
    "threshold_units": "threshold",
    "threshold_minor": "threshold_amount",
    "overdraft_units": "overdraft",
}


class ContractForm(forms.Form):
    """A new contract; only the fields that matter for its kind are on the form."""

    organization = forms.ModelChoiceField(Organization.objects.all())
    name = forms.CharField(max_length=200, help_text="Such as “Support bank 2025”.")
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.BANK)
    unit = forms.ChoiceField(
        choices=Contract.Unit.choices,
        initial=Contract.Unit.HOURS,
        help_text="What the cap, the blocks or the charges count.",
    )
    starts_on = forms.DateField(label="Starts on", widget=DateInput())
    ends_on = forms.DateField(
        label="Ends on", required=False, widget=DateInput(), help_text="Empty: open-ended."
    )
    channels = forms.MultipleChoiceField(
        choices=[(c, c) for c in CHANNELS],
        initial=list(CHANNELS),
        widget=forms.CheckboxSelectMultiple,
        help_text="Tickets arriving by these channels fall under the contract.",
    )
    fee = AmountField(
        label="Fee per term",
        required=False,
        help_text="In the organization's currency, such as 1,234.56; due on the first day.",
    )
    cap = quantity_field("Cap", help_text="Hours (20.5 is 20 h 30 min) or incidents per term.")
    threshold = quantity_field(
        "Low-balance threshold",
        help_text="Hours or incidents: warn the contacts when the bank falls to this.",
    )
    threshold_amount = AmountField(
        label="Low-deposit threshold",
        required=False,
        help_text="Warn when the deposit falls to this amount.",
    )
    exhaustion = forms.ChoiceField(
        label="When the bank is used up",
        choices=Contract.Exhaustion.choices,
        initial=Contract.Exhaustion.OVERAGE,
    )
    overdraft = quantity_field(
        "Overdraft limit",
        help_text="Hours or incidents the bank may go below zero; empty: no limit.",
    )
    hourly_rate = rate_field("Hourly rate", "hour")
    overage_rate = rate_field("Overage rate", "hour or incident beyond the cap or bank")
    incident_rate = rate_field("Incident rate", "incident")
    minute_rate = rate_field("Minute rate", "agent-minute")
    rounding_minutes = forms.IntegerField(
        label="Round each log up to (minutes)", min_value=1, max_value=600, initial=1
    )
    minimum_minutes = forms.IntegerField(
        label="Minimum per log (minutes)", min_value=0, max_value=600, initial=0
    )
    incident_window_minutes = forms.IntegerField(
        label="Incident window (minutes)",
        min_value=1,
        max_value=10_000,
        initial=120,
        help_text="One incident covers this much work; each further started window is another.",
    )
    waiver_causes = forms.MultipleChoiceField(
        label="Waived causes",
        choices=Ticket.Cause.choices,
        required=False,
        initial=["product_defect"],
        widget=forms.CheckboxSelectMultiple,
    )
    covered_modules = forms.CharField(
        label="Covered modules",
        required=False,
        max_length=2000,
        help_text="For updates and enhancements, separated by commas.",
    )
    card_on_file = forms.BooleanField(label="Card on file", required=False)
    contacts_policy = forms.ChoiceField(
        label="Who may open tickets", choices=Contract.Contacts.choices, initial="any"
    )
    max_named_contacts = forms.IntegerField(
        label="At most named contacts", min_value=1, max_value=1000, initial=2
    )
    authorized_contacts = ContactChoice(
        queryset=User.objects.none(),
        required=False,
        label="Named contacts",
        help_text="For “named contacts only”: contacts of the organization.",
    )
    account_manager = ManagerChoice(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authorized_contacts"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(role=User.Role.USER, is_active=True)
            .exclude(organization=None)
            .select_related("organization")
            .order_by("organization__name", "email")
        )
        self.fields["account_manager"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role__in=(User.Role.AGENT, User.Role.ADMIN), is_active=True
        ).order_by("email")
        kind = kind or self.data.get("kind") or self.initial.get("kind")
        self.chosen_kind = kind if kind in Kind.values else Kind.BANK
        self.fields["kind"].initial = self.chosen_kind
        keep = set(KIND_FIELDS[self.chosen_kind])
        for name in OPTIONAL_FIELDS:
            if name not in keep:
                del self.fields[name]

    def kind_fields(self) -> list[forms.BoundField]:
        """The fields of the chosen kind beyond the common ones, in the order they matter."""
        return [self[name] for name in KIND_FIELDS[self.chosen_kind] if name != "unit"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        org = data.get("organization")
        currency = org.currency if org is not None else None
        incidents = uses_incidents(
            Contract(kind=self.chosen_kind, unit=data.get("unit") or Contract.Unit.HOURS)
        )
        for name in ("cap", "threshold", "overdraft"):
            value = data.get(name)
            if value is not None:
                try:
                    data[name] = to_units(value, incidents=incidents)
                except ValidationError as exc:
                    self.add_error(name, exc)
        for name in ("fee", "threshold_amount"):
            value = data.get(name)
            if value is not None and currency is not None:
                try:
                    data[name] = to_minor(value, currency)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def contract_fields(self) -> dict[str, Any]:
        """The keyword arguments of contracts.services.create_contract."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "name": data["name"].strip(),
            "kind": self.chosen_kind,
            "starts_on": data["starts_on"],
            "ends_on": data.get("ends_on"),
            "channels": list(data["channels"]),
            "contacts_policy": data["contacts_policy"],
            "max_named_contacts": data["max_named_contacts"],
            "account_manager": data.get("account_manager"),
        }
        renamed = {
            "fee": "fee_minor",
            "cap": "cap_units",
            "threshold": "threshold_units",
            "threshold_amount": "threshold_minor",
            "overdraft": "overdraft_units",
        }
        for name in KIND_FIELDS[self.chosen_kind]:
            value = data.get(name)
            if name == "covered_modules":
                value = [m.strip() for m in (value or "").split(",") if m.strip()]
            elif name in ("fee", "threshold", "threshold_amount") and value is None:
                value = 0
            elif name in ("cap", "overdraft") and value is None:
                continue
            fields[renamed.get(name, name)] = value
        return fields


def form_values(query: Mapping[str, Any], form_class: type[forms.Form]) -> dict[str, Any]:
    """What was typed so far (a GET of the form's own fields), as initial values."""
    multiple = {
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField))
    }
    getlist = getattr(query, "getlist", None)
    values: dict[str, Any] = {}
    for name in form_class.base_fields:
        if name not in query:
            continue
        values[name] = getlist(name) if name in multiple and getlist else query[name]
    return values


class TopUpForm(forms.Form):
    """A block for a bank (hours or incidents), or a deposit for a per-minute contract."""

    quantity = quantity_field("Quantity", required=True)
    price = AmountField(
        label="Price",
        required=False,
        help_text="What the customer pays for the block. Empty: the price book's price.",
    )
    amount = AmountField(label="Deposit")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=DateInput(), help_text="Empty: never."
    )

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.fields["currency"].initial = contract.currency
        self.incidents = uses_incidents(contract)
        if contract.kind == Kind.PER_MINUTE:
            del self.fields["quantity"], self.fields["price"], self.fields["expires_on"]
        else:
            del self.fields["amount"]
            self.fields["quantity"].label = "Incidents" if self.incidents else "Hours"
            self.fields["quantity"].help_text = (
                "Whole incidents." if self.incidents else "Hours such as 20 or 7.5."
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        currency = data.get("currency") or self.contract.currency
        if data.get("quantity") is not None:
            try:
                data["quantity"] = to_units(data["quantity"], incidents=self.incidents)
            except ValidationError as exc:
                self.add_error("quantity", exc)
        for name in ("price", "amount"):
            if data.get(name) is not None:
                try:
                    data[name] = to_minor(data[name], currency)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


TOP_UP_ALIASES: Mapping[str, str] = {
    "units": "quantity",
    "price_minor": "price",
    "amount_minor": "amount",
}


class RenewForm(forms.Form):
    ends_on = forms.DateField(
        label="New term ends on",
        required=False,
        widget=DateInput(),
        help_text="Empty: a term as long as this one.",
    )


class EndForm(forms.Form):
    on = forms.DateField(label="Ends on", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


END_ALIASES: Mapping[str, str] = {"ends_on": "on"}


class PriceForm(forms.Form):
    item = forms.ChoiceField(choices=Price.Item.choices)
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="EUR")
    amount = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=4,
        help_text="Per hour, incident or agent-minute; up to 4 decimals.",
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    effective_from = forms.DateField(label="In force from", widget=DateInput())


class TrainingForm(forms.Form):
    user = ManagerChoice(queryset=User.objects.none(), label="Contact")
    course = forms.CharField(max_length=200)
    completed_on = forms.DateField(label="Completed on", widget=DateInput())
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=DateInput(), help_text="Empty: never."
    )

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id, role=User.Role.USER, is_active=True
        ).order_by("email")
