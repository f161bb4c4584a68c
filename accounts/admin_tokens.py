"""/ops/ views of refresh tokens: who holds one, until when, never the token itself.

simplejwt's own admin shows every outstanding refresh token in full, so anyone
who can read /ops/ could copy one and sign in as its holder. These replace it.
"""

from __future__ import annotations

from django.contrib import admin
from rest_framework_simplejwt.token_blacklist import admin as simplejwt_admin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from interview_platform.logging import hint


class OutstandingTokenAdmin(simplejwt_admin.OutstandingTokenAdmin):
    list_display = ("jti", "user", "token_hint", "created_at", "expires_at")
    fields = ("jti", "user", "token_hint", "created_at", "expires_at")

    def get_readonly_fields(self, *args, **kwargs):
        return self.fields

    @admin.display(description="token")
    def token_hint(self, obj: OutstandingToken) -> str:
        return hint(obj.token)


# Importing simplejwt's admin above registered its version; this one takes its place.
if admin.site.is_registered(OutstandingToken):
    admin.site.unregister(OutstandingToken)
admin.site.register(OutstandingToken, OutstandingTokenAdmin)
