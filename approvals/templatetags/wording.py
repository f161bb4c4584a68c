"""Template filters that put the platform's codes in recruiters' words (see approvals/wording.py)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from approvals import wording
from approvals.forms import missing_labels

register = template.Library()

# `code` in a question's text, as Markdown writes it: one line, no backtick inside.
_INLINE_CODE = re.compile(r"`([^`\n]+)`")


@register.filter
def say(value, vocabulary: str) -> str:
    """``{{ interview.state|say:"state" }}`` -> "Plan awaiting approval"."""
    return wording.say(value, vocabulary)


@register.filter
def actor_words(change) -> str:
    """Who made a state change (or an erasure): a person's email, the ATS, the candidate, or the platform."""
    return wording.actor(change.actor_label, change.actor_user)


@register.filter
def reason_words(text) -> wording.Reason:
    return wording.reason(text, labels=missing_labels)


@register.filter
def delivery_words(delivery) -> wording.DeliveryWords:
    return wording.delivery(
        delivery.status, delivery.attempt_count, delivery.last_error, delivery.last_status_code
    )


@register.filter
def engine_words(name) -> str:
    return wording.engine(str(name or ""))


@register.filter
def language_words(tag) -> str:
    return wording.language(str(tag or ""))


@register.filter
def same_words(first, second) -> bool:
    """Whether two labels say the same thing ("Behavioral" and "behavioral"), so one can be left out."""
    return str(first or "").strip().casefold() == str(second or "").strip().casefold()


@register.filter(is_safe=True)
def inline_code(text) -> str:
    """Escape ``text`` and show its `backticked` parts as code. Nothing else in it becomes markup."""
    escaped = str(conditional_escape(text or ""))
    return mark_safe(_INLINE_CODE.sub(r"<code>\1</code>", escaped))  # noqa: S308 - escaped above
