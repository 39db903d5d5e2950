"""Forms of the console's work and contract panels: they parse; contracts.services decides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from deskpact.accounts.models import User
from deskpact.contracts.models import Contract
from deskpact.contracts.services import MAX_LOG_MINUTES
from deskpact.tickets.models import Ticket
from deskpact.web import widgets
from deskpact.web.forms_console import set_choices

NO_CONTRACT = "none"
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=LOCAL_MINUTE)


def minutes_field(label: str = "Minutes") -> forms.IntegerField:
    refusal = "Log a positive whole number of minutes."
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=MAX_LOG_MINUTES,
        error_messages={
            "min_value": refusal,
            "invalid": refusal,
            "max_value": f"At most {MAX_LOG_MINUTES} minutes in one log.",
        },
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_LOG_MINUTES, "step": 1}),
    )


def started_at_field(*, required: bool, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label="Started at",
        required=required,
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=LocalDateTimeInput(),
        help_text=help_text,
    )


def note_field() -> forms.CharField:
    return forms.CharField(
        label="Note",
        required=False,
        max_length=5000,
        widget=widgets.Textarea(attrs={"rows": 2}),
    )


class WorkLogForm(forms.Form):
    """Minutes an agent spent on the ticket, logged by hand."""

    minutes = minutes_field()
    started_at = started_at_field(required=False, help_text="Empty: it just ended.")
    channel = forms.ChoiceField(choices=Ticket.Channel.choices, widget=widgets.Select)
    is_billable = forms.BooleanField(label="Billable", required=False, initial=True)
    note = note_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "work_%s")  # other forms on the page have a note too
        super().__init__(*args, **kwargs)


class TimerStopForm(forms.Form):
    note = note_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "timer_%s")
        super().__init__(*args, **kwargs)


def agent_label(agent: User) -> str:
    return agent.name or agent.email


class CallForm(forms.Form):
    """A phone call: every agent on it gets a log of the call's minutes."""

    agents = forms.MultipleChoiceField(
        label="Agents on the call",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Name at least one agent on the call."},
    )
    minutes = minutes_field("Minutes of the call")
    started_at = started_at_field(required=False, help_text="Empty: the call just ended.")
    note = note_field()

    def __init__(self, data: Any = None, *, agents: Sequence[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "call_%s")
        super().__init__(data, **kwargs)
        self._agents = {str(a.pk): a for a in agents}
        set_choices(self, "agents", [(str(a.pk), agent_label(a)) for a in agents])

    def chosen_agents(self) -> list[User]:
        return [self._agents[pk] for pk in self.cleaned_data["agents"]]


class MoveContractForm(forms.Form):
    """Move the ticket to another active contract of its organization, or to none."""

    contract = forms.ChoiceField(label="Move to", widget=widgets.Select)

    def __init__(self, data: Any = None, *, contracts: Sequence[Contract], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(data, **kwargs)
        self._contracts = {str(c.pk): c for c in contracts}
        set_choices(
            self,
            "contract",
            [
                *((str(c.pk), f"{c.name} ({c.get_kind_display()})") for c in contracts),
                (NO_CONTRACT, "No contract"),
            ],
        )

    def chosen_contract(self) -> Contract | None:
        return self._contracts.get(self.cleaned_data["contract"])


class OverrideForm(forms.Form):
    """Accept a requester the contract does not authorize; the reason goes to the audit log."""

    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=widgets.Textarea(attrs={"rows": 2}),
        help_text="Why this contact is accepted (kept in the audit log).",
        error_messages={"required": "Say why the contact is accepted."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "override_%s")
        super().__init__(*args, **kwargs)
