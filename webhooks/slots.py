"""Turns at a destination: at most ``WEBHOOK_MAX_IN_FLIGHT_PER_HOST`` workers send to one at once.

A worker takes one of the destination's slots before it sends there and
gives it back when done. Taking one is a conditional UPDATE of a free (or
expired) slot, so two workers never hold the same slot; a worker that
vanished holds its slot only until ``held_until``, which outlasts the longest
a worker's turn can take (``WEBHOOK_BATCH_SECONDS`` and one attempt's claim).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import statements
from .models import DestinationSlot


@dataclass(frozen=True)
class Slot:
    host: str
    number: int
    holder: uuid.UUID


def lease_time() -> timedelta:
    from .delivery import claim_window

    return timedelta(seconds=settings.WEBHOOK_BATCH_SECONDS) + claim_window()


def take(host: str) -> Slot | None:
    """One of ``host``'s free slots, now held by the caller; None when every slot is held."""
    limit = settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST
    now = timezone.now()
    holder = uuid.uuid4()
    if statements.available():
        # One statement takes a free slot, or finds them all made and held.
        number, made = statements.take_slot(host, limit, now, now + lease_time(), holder)
        if number is not None:
            return Slot(host, number, holder)
        if made >= limit:
            return None
    held = dict(
        DestinationSlot.objects.filter(host=host, number__lt=limit).values_list("number", "held_until")
    )
    if len(held) < limit:
        # A destination's slots are made the first time it is sent to.
        missing = [DestinationSlot(host=host, number=n) for n in range(limit) if n not in held]
        DestinationSlot.objects.bulk_create(missing, ignore_conflicts=True)
    free = [n for n in range(limit) if held.get(n) is None or held[n] <= now]
    # Workers arriving together try different slots first.
    random.shuffle(free)
    vacant = Q(held_until__isnull=True) | Q(held_until__lte=now)
    for number in free:
        taken = DestinationSlot.objects.filter(vacant, host=host, number=number).update(
            holder=holder, held_until=now + lease_time()
        )
        if taken:
            return Slot(host, number, holder)
    return None


def give_back(slot: Slot) -> None:
    """Free ``slot`` (unless it expired and another worker holds it now)."""
    if statements.available():
        statements.give_back(slot.host, slot.number, slot.holder)
        return
    DestinationSlot.objects.filter(host=slot.host, number=slot.number, holder=slot.holder).update(
        holder=None, held_until=None
    )


def extend(slot: Slot) -> bool:
    """Hold ``slot`` for another turn; False if it expired and another worker holds it now."""
    held = DestinationSlot.objects.filter(host=slot.host, number=slot.number, holder=slot.holder)
    return bool(held.update(held_until=timezone.now() + lease_time()))
