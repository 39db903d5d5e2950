"""Form widgets whose HTML is written in Python rather than through widget templates.

Django renders every widget, and every <option> of a select, through its own template;
on the console's hot pages (a filter bar of seven fields, a ticket's six forms) that was
one of the largest costs of the page. These widgets keep Django's context (attributes, `required`,
`aria-*`, selected options) and write the same HTML as the built-in templates
(django/forms/widgets/*.html), escaping as they do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.safestring import SafeString, mark_safe

from deskpact.web.markup import esc


def attrs_html(attrs: Mapping[str, Any]) -> str:
    """Like attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {esc(name)}" if value is True else f' {esc(name)}="{esc(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{esc(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{esc(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{esc(option["value"])}"'
                f"{attrs_html(option['attrs'])}>{esc(option['label'])}</option>"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def input_html(widget: Mapping[str, Any], *, with_value: bool = True) -> str:
    value = widget["value"]
    shown = f' value="{esc(value)}"' if with_value and value is not None else ""
    return (
        f'<input type="{esc(widget["type"])}"'
        f' name="{esc(widget["name"])}"{shown}{attrs_html(widget["attrs"])}>'
    )


class Select(forms.Select):
    def render(
        self, name: str, value: Any, attrs: Any = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        return mark_safe(select_html(self.get_context(name, value, attrs)["widget"]))


class Textarea(forms.Textarea):
    def render(
        self, name: str, value: Any, attrs: Any = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        text = esc(widget["value"]) if widget["value"] else ""
        start = f'<textarea name="{esc(widget["name"])}"{attrs_html(widget["attrs"])}>'
        return mark_safe(f"{start}\n{text}</textarea>")


class TextInput(forms.TextInput):
    def render(
        self, name: str, value: Any, attrs: Any = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        return mark_safe(input_html(self.get_context(name, value, attrs)["widget"]))


class MultipleFileInput(forms.ClearableFileInput):
    """Any number of files under one name (Django's documented pattern)."""

    allow_multiple_selected = True

    def render(
        self, name: str, value: Any, attrs: Any = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        if widget["is_initial"]:  # a stored file to keep or clear: Django's template
            return super().render(name, value, attrs, renderer)
        return mark_safe(input_html(widget, with_value=False))
