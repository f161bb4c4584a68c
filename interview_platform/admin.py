"""Shared pieces of the operators' admin (/ops/)."""

from __future__ import annotations

from django.db import models

# Admin forms for URL fields: a scheme-less URL typed by an operator means https.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyMixin:
    """Records the workflow writes: operators read them and never add, edit or delete.

    Editing or deleting would bypass the state machine and lose the history of
    what happened and what the ATS was told.
    """

    formfield_overrides = URL_FIELDS

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
