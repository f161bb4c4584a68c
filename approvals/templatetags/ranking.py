"""Presentation helpers of the interviews list, the comparison and the numbers above the list."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def span(value) -> str:
    """A length of time in at most two units: "40 min", "5 h 10 min", "2 d 3 h"."""
    if not isinstance(value, datetime.timedelta):
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@register.filter
def plural(count, words: str) -> str:
    """``3|plural:"interview,interviews"`` -> "3 interviews"."""
    one, _, many = words.partition(",")
    return f"{count} {one if count == 1 else many}"
