"""Forms of the agent console: they parse input; the services decide and write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse_lazy

from deskpact.accounts.models import User
from deskpact.core.errors import DomainError
from deskpact.tickets.models import Queue, Ticket
from deskpact.web import widgets

ME, NOBODY = "me", "none"
BULK_MAX = 200


class MultipleFileField(forms.FileField):
    """Any number of files under one name (Django's documented pattern)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", widgets.MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(item, initial) for item in data if item]
        return [one(data, initial)] if data else []


class IdListField(forms.Field):
    """Repeated `name=12&name=13` values as a list of ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids: list[int] = []
        for item in values:
            text = str(item).strip()
            if not text.isdigit() or len(text) > 18:
                raise ValidationError("Pick tickets from the list.", code="invalid")
            ids.append(int(text))
        return list(dict.fromkeys(ids))

    def validate(self, value: Any) -> None:
        if not value:
            raise ValidationError("Select at least one ticket.", code="required")
        if len(value) > BULK_MAX:
            raise ValidationError(f"Select at most {BULK_MAX} tickets at a time.", code="max")


def set_choices(form: forms.Form, name: str, choices: Sequence[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def owner_choices(owners: Sequence[User], me: User) -> list[tuple[str, str]]:
    others = [(str(u.pk), u.name or u.email) for u in owners if u.pk != me.pk]
    return [(ME, f"Me ({me.name or me.email})"), (NOBODY, "Nobody (unassigned)"), *others]


class OwnerPickMixin:
    """A form with an `owner` field whose value is me, nobody or one of `owners`."""

    cleaned_data: dict[str, Any]
    _owners: dict[str, User]
    _me: User

    def _setup_owners(self, owners: Sequence[User], me: User) -> list[tuple[str, str]]:
        self._me = me
        self._owners = {str(u.pk): u for u in owners}
        return owner_choices(owners, me)

    def chosen_owner(self) -> User | None:
        value = self.cleaned_data["owner"]
        if value == NOBODY:
            return None
        if value == ME:
            return self._me
        return self._owners[value]


def show_service_error(
    form: forms.Form, exc: DomainError | ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put what a service refused on the form: on its field when the form has one."""
    aliases = aliases or {}

    def place(field: str | None) -> str | None:
        field = aliases.get(field or "", field)
        return field if field in form.fields else None

    if isinstance(exc, DomainError):
        form.add_error(place(exc.field), exc.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(place(field), error.messages)
        return
    form.add_error(None, exc.messages)


class QueueFilterForm(forms.Form):
    """The filter bar of a console list; a value that is not valid is simply ignored."""

    q = forms.CharField(required=False, max_length=200, label="Search", widget=widgets.TextInput)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Ticket.Status.choices], widget=widgets.Select
    )
    priority = forms.ChoiceField(
        required=False,
        choices=[("", "Any priority"), *Ticket.Priority.choices],
        widget=widgets.Select,
    )
    channel = forms.ChoiceField(
        required=False,
        choices=[("", "Any channel"), *Ticket.Channel.choices],
        widget=widgets.Select,
    )
    owner = forms.ChoiceField(required=False, widget=widgets.Select)
    organization = forms.ChoiceField(required=False, widget=widgets.Select)
    queue = forms.ChoiceField(required=False, widget=widgets.Select)

    def __init__(
        self,
        data: Any,
        *,
        owners: Sequence[User],
        organizations: Sequence[tuple[int, str]],
        queues: Sequence[Queue],
        me: User,
    ) -> None:
        super().__init__(data)
        self._me = me
        self._owners = {str(u.pk): u for u in owners}
        set_choices(self, "owner", [("", "Anyone"), *owner_choices(owners, me)])
        set_choices(
            self,
            "organization",
            [
                ("", "Any organization"),
                (NOBODY, "No organization"),
                *((str(pk), name) for pk, name in organizations),
            ],
        )
        set_choices(self, "queue", [("", "Any queue"), *((q.slug, q.name) for q in queues)])

    def valid_values(self) -> dict[str, str]:
        """The filters that parsed; bad ones are dropped rather than failing the list."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ReplyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reply_%s")  # the note form on the same page has a body too
        super().__init__(*args, **kwargs)

    body = forms.CharField(
        label="Public reply",
        widget=widgets.Textarea(attrs={"rows": 5, "data-shortcut": "r"}),
        max_length=100_000,
    )
    attachments = MultipleFileField(label="Attach files")


class NoteForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)

    body = forms.CharField(
        label="Internal note",
        widget=widgets.Textarea(attrs={"rows": 3, "data-shortcut": "n"}),
        max_length=100_000,
        help_text="Only agents see notes; they are never sent to the customer.",
    )
    attachments = MultipleFileField(label="Attach files")


class AssignForm(OwnerPickMixin, forms.Form):
    owner = forms.ChoiceField(label="Owner", widget=widgets.Select)

    def __init__(self, data: Any = None, *, owners: Sequence[User], me: User, **kw: Any) -> None:
        super().__init__(data, **kw)
        set_choices(self, "owner", self._setup_owners(owners, me))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Ticket.Status.choices, widget=widgets.Select)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Ticket.Priority.choices, widget=widgets.Select)


class CauseForm(forms.Form):
    cause = forms.ChoiceField(
        required=False, choices=[("", "Not set"), *Ticket.Cause.choices], widget=widgets.Select
    )


class NewTicketForm(OwnerPickMixin, forms.Form):
    """A ticket logged for a caller: an existing contact by email, or a new one."""

    requester_email = forms.EmailField(
        label="Requester email",
        max_length=254,
        widget=forms.EmailInput(
            attrs={
                "autocomplete": "off",
                "list": "requester-options",
                "hx-get": reverse_lazy("console:requester_options"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#requester-options",
            }
        ),
    )
    requester_name = forms.CharField(
        label="Requester name",
        required=False,
        max_length=150,
        help_text="Used only when the email is new: the caller becomes a contact.",
    )
    channel = forms.ChoiceField(choices=Ticket.Channel.choices, initial=Ticket.Channel.PHONE)
    queue = forms.ChoiceField()
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Description", widget=forms.Textarea(attrs={"rows": 6}))
    priority = forms.ChoiceField(choices=Ticket.Priority.choices, initial=Ticket.Priority.NORMAL)
    owner = forms.ChoiceField(initial=ME)
    attachments = MultipleFileField(label="Attach files")

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        owners: Sequence[User],
        queues: Sequence[Queue],
        me: User,
    ) -> None:
        super().__init__(data, files)
        set_choices(self, "owner", self._setup_owners(owners, me))
        self._queues = {q.slug: q for q in queues}
        if not queues:  # a fresh desk: open_ticket makes the default queue
            del self.fields["queue"]
            return
        set_choices(self, "queue", [(q.slug, q.name) for q in queues])
        default = next((q for q in queues if q.is_default), queues[0])
        self.fields["queue"].initial = default.slug

    def chosen_queue(self) -> Queue | None:
        return self._queues.get(self.cleaned_data.get("queue", ""))


class BulkForm(OwnerPickMixin, forms.Form):
    action = forms.ChoiceField(choices=[("assign", "Assign"), ("close", "Close")])
    owner = forms.ChoiceField(required=False)
    ticket = IdListField()

    def __init__(self, data: Any = None, *, owners: Sequence[User], me: User) -> None:
        super().__init__(data)
        set_choices(self, "owner", [("", "Choose an owner"), *self._setup_owners(owners, me)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("owner"):
            self.add_error("owner", "Choose who gets the selected tickets.")
        return data
