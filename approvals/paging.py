"""Pages of long lists without counting the whole organization on every request.

``Paginator`` runs ``COUNT(*)`` over everything that matches, which grows with
the organization. The queue already knows its counts (one aggregate over its
index) and hands them over; the interviews list counts at most ``COUNT_CAP``
rows and shows "1,000+" beyond, and finds out whether there is a next page by
reading one row more than it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000


class KnownCountPaginator(Paginator):
    """A Paginator that is told how many rows there are instead of counting them."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count


@dataclass
class Page:
    """One page of a list whose length is only known up to ``COUNT_CAP``."""

    object_list: list
    number: int
    per_page: int
    has_next: bool
    count: int  # exact below the cap, else COUNT_CAP
    capped: bool  # more than COUNT_CAP rows match

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    @property
    def num_pages(self) -> int | None:
        """The number of pages, when the count is exact."""
        return None if self.capped else max(1, -(-self.count // self.per_page))


def page_number(value) -> int:
    """The page asked for: a whole number from 1; anything else is the first page."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit():
        return max(1, min(int(text), 100_000))
    return 1


def capped_page(queryset, number: int, per_page: int) -> Page:
    """Rows ``per_page`` at a time: two queries whatever the length (a capped count, the page)."""
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(
        object_list=rows[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(rows) > per_page,
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
    )
