"""A search select: a text box that looks rows up as the user types, instead of a <select> of all of them.

Used by choice fields over tables that grow with the province (organizations, host units). It
posts the same name and value as a <select> would (a hidden input holding the chosen id), so the
field's validation over its scoped queryset is unchanged. Rendering costs at most one query (the
chosen row's label) whatever the size of the scope; static/js/search-select.js brings it to life
with a lookup endpoint (apps/organizations/lookups.py).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

SEARCH_HINT = "输入名称搜索"


def _attributes(attrs: dict):
    """Boolean attributes (required) as HTML wants them: present or absent."""
    return ((key, "" if value is True else value) for key, value in attrs.items() if value is not False)


class SearchSelect(forms.Widget):
    """The chosen row's label is shown back on a re-rendered form (a bound form with errors)."""

    # A ModelChoiceField hands its widget its (lazy) choices; they are never iterated here.
    choices = ()

    def __init__(
        self,
        *,
        url: str,
        label_of: Callable[[object], str],
        group_of: Callable[[object], str],
        params: dict | None = None,
        attrs: dict | None = None,
    ):
        super().__init__(attrs)
        self.url = url
        self.params = {key: value for key, value in (params or {}).items() if value is not None}
        self.label_of = label_of
        self.group_of = group_of

    def id_for_label(self, id_):
        return id_

    def chosen(self, value):
        """The row `value` names within the field's queryset, or None (empty, malformed or out of scope)."""
        if value in (None, ""):
            return None
        if hasattr(value, "pk"):
            value = value.pk
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:
            return None
        try:
            return queryset.filter(pk=value).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def lookup_url(self) -> str:
        return f"{self.url}?{urlencode(self.params)}" if self.params else str(self.url)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        input_id = attrs.pop("id", f"id_{name}")
        row = self.chosen(value)
        listbox_id = f"{input_id}_listbox"
        text_attrs = {
            "placeholder": SEARCH_HINT,
            **attrs,
            "type": "text",
            "id": input_id,
            "value": self.label_of(row) if row else "",
            "role": "combobox",
            "aria-autocomplete": "list",
            "aria-expanded": "false",
            "aria-controls": listbox_id,
            "autocomplete": "off",
            "spellcheck": "false",
            "data-search-select-input": "",
        }
        text_attrs.setdefault("class", "form-control")
        if row:
            text_attrs["title"] = self.group_of(row)
        return format_html(
            '<div class="qz-search-select position-relative" data-search-select data-url="{}">'
            "<input{}>"
            '<input type="hidden" name="{}" value="{}" id="{}_value" data-search-select-value>'
            '<ul class="dropdown-menu w-100 qz-search-select-list" id="{}" role="listbox" aria-label="{}"></ul>'
            '<div class="visually-hidden" aria-live="polite" data-search-select-status></div>'
            "</div>",
            self.lookup_url(),
            format_html_join("", ' {}="{}"', _attributes(text_attrs)),
            name,
            row.pk if row else "",
            input_id,
            listbox_id,
            "候选项",
        )
