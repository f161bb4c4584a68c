"""Shared pieces of the operators' admin (/ops/)."""

from __future__ import annotations


class ReadOnlyMixin:
    """Records the workflow writes: operators read them and never add, edit or delete.

    Editing or deleting would bypass the state machine and lose the history of
    what happened and what the ATS was told.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
