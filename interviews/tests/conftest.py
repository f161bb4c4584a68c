"""Fixtures shared by the interviews tests."""

from __future__ import annotations

import pytest

from interviews import effects


@pytest.fixture
def watch_jobs(monkeypatch):
    """``watch_jobs()``: from now on, the interview jobs queued are listed (by name), not run."""

    def watch() -> list[str]:
        names: list[str] = []
        monkeypatch.setattr(effects, "enqueue", lambda name, *args: names.append(name))
        return names

    return watch
