"""CPU time of the shape's processes, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of a live process.

    A process's figure includes its reaped children's: PostgreSQL's postmaster
    thereby keeps the CPU of backends that have exited.
    """
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), sum(int(f) for f in fields[11:15]) / TICK


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _all() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                found[int(entry)] = stat
    return found


ROLES = (
    ("gunicorn", "gunicorn"),
    ("daphne", "daphne"),
    ("interview_platform.socket_server", "daphne"),
    ("-Q agents", "celery agents"),
    ("-Q webhooks", "celery webhooks"),
    ("-Q mail", "celery mail"),
    (" beat", "celery beat"),
)


def descendants(root_pid: int, processes: dict | None = None) -> dict[int, str]:
    """Every process under ``root_pid``, with its command line."""
    processes = processes if processes is not None else _all()
    children: dict[int, list[int]] = {}
    for pid, (_, parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    found, stack = {}, list(children.get(root_pid, []))
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        found[pid] = _cmdline(pid)
    return found


def snapshot(root_pid: int, database: str) -> dict[str, dict[int, float]]:
    """CPU seconds so far per role and process: the shape's processes (under ``root_pid``), the
    PostgreSQL backends serving ``database`` (their process titles name it), Redis."""
    processes = _all()
    found: dict[str, dict[int, float]] = {}
    for pid, command in descendants(root_pid, processes).items():
        role = next((name for marker, name in ROLES if marker in command), None)
        if role:
            found.setdefault(role, {})[pid] = processes[pid][2]
    for pid, (name, _, seconds) in processes.items():
        if name == "postgres" and f" {database} " in _cmdline(pid):
            found.setdefault("postgresql", {})[pid] = seconds
        elif name == "redis-server":
            found.setdefault("redis", {})[pid] = seconds
    found["load generator"] = {os.getpid(): processes[os.getpid()][2]}
    return found


def delta(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each role spent between the snapshots, process by process.

    A process that started in between counts in full; one that exited in between
    is missing from ``after`` and its last moments are not counted (PostgreSQL
    backends of the shape keep their connections, so few do).
    """
    return {
        role: sum(seconds - before.get(role, {}).get(pid, 0.0) for pid, seconds in pids.items())
        for role, pids in after.items()
    }
