"""The candidate's email one-time code, as a django-otp side-channel device.

Rules: 6 digits, valid 10 minutes, single use; a new code voids the old one;
at most 5 wrong tries per code; 60 s between sends and at most 5 codes an hour
per link. The code is never logged.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django_otp.models import CooldownMixin, SideChannelDevice

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_CODES_PER_HOUR = 5


class CandidateEmailDevice(CooldownMixin, SideChannelDevice):
    # Candidates are not users: the device belongs to the interview's link.
    user = None
    interview = models.OneToOneField(
        "interviews.Interview", on_delete=models.CASCADE, related_name="otp_device"
    )
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    sent_at_log = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "candidate email code"

    def __str__(self) -> str:
        return f"email code for {self.interview_id}"

    def get_cooldown_duration(self) -> int:
        return int(RESEND_COOLDOWN.total_seconds())

    def sends_in_last_hour(self, now) -> list[str]:
        cutoff = now - timedelta(hours=1)
        return [stamp for stamp in self.sent_at_log if timezone.datetime.fromisoformat(stamp) > cutoff]

    def new_code(self) -> str:
        """Replace any previous code (voiding it) and return the new one."""
        now = timezone.now()
        self.generate_token(length=CODE_DIGITS, valid_secs=int(CODE_TTL.total_seconds()), commit=False)
        self.wrong_tries = 0
        self.sent_at_log = [*self.sends_in_last_hour(now), now.isoformat()]
        self.cooldown_set(commit=False)
        self.save()
        return self.token

    def check_code(self, code: str) -> bool:
        """Constant-time check; a success consumes the code."""
        now = timezone.now()
        if self.token is None or now >= self.valid_until:
            return False
        if hmac.compare_digest(code.encode(), self.token.encode()):
            self.token = None
            self.valid_until = now
            self.wrong_tries = 0
            self.save(update_fields=["token", "valid_until", "wrong_tries"])
            return True
        self.wrong_tries += 1
        if self.wrong_tries >= MAX_WRONG_TRIES:
            # Too many guesses: this code is dead; the candidate must ask for a new one.
            self.token = None
        self.save(update_fields=["wrong_tries", "token"])
        return False
