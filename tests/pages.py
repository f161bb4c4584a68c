"""Reading the recruiters' pages in tests."""

from __future__ import annotations

import re


def queue_rows(html: str) -> list[str]:
    """The run IDs of the queue's rows, in page order."""
    return re.findall(r'<tr data-run-id="([0-9a-f-]+)"', html)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
