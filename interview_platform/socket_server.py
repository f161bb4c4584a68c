"""The socket server: daphne, in as many processes as asked, on one listening socket.

    python -m interview_platform.socket_server --bind 127.0.0.1 --port 8001 --processes 2

One daphne process runs every socket's database work in one interpreter, so under load it uses
one core at most. With ``--processes N`` (N > 1) this binds the port once and starts N daphne
processes on it (``daphne --fd``); the kernel hands each new connection to one of them, as
Channels' deployment guide does with a process supervisor. Sockets of one interview in different
processes still reach each other through the channel layer (Redis): pushes, groups and take-overs
work across processes, so N > 1 needs ``REDIS_URL``. With one process this is plain daphne.

The first daphne to exit stops the others and this process exits with its status, so the process
manager above (honcho under ``make up``) sees the server go down. SIGTERM and SIGINT are passed on.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

APP = "interview_platform.asgi:application"
DAPHNE = str(Path(sys.executable).with_name("daphne"))
# How long the others get to finish their sockets once one process has gone.
STOP_SECONDS = 20


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m interview_platform.socket_server")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--processes", type=int, default=1, help="daphne processes sharing the port")
    args, daphne_args = parser.parse_known_args(argv)
    if args.processes < 1:
        parser.error(f"--processes must be at least 1, not {args.processes}")
    if args.processes > 1 and not os.environ.get("REDIS_URL"):
        parser.error("--processes above 1 needs REDIS_URL: sockets in different processes meet through Redis")
    return args, daphne_args


def main(argv: list[str] | None = None) -> int:
    args, daphne_args = parse(sys.argv[1:] if argv is None else argv)
    if args.processes == 1:
        os.execv(DAPHNE, [DAPHNE, "-b", args.bind, "-p", str(args.port), *daphne_args, APP])  # noqa: S606
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    listener = socket.create_server((args.bind, args.port), family=family, backlog=1024)
    listener.set_inheritable(True)
    fd = listener.fileno()
    command = [DAPHNE, "--fd", str(fd), *daphne_args, APP]
    children: list[subprocess.Popen] = []

    def pass_on(signum, _frame):
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    # Installed first: a stop that comes while they start reaches those already started.
    signal.signal(signal.SIGTERM, pass_on)
    signal.signal(signal.SIGINT, pass_on)
    try:
        for _ in range(args.processes):
            children.append(subprocess.Popen(command, pass_fds=(fd,)))  # noqa: S603
    except OSError:
        _stop(children)
        raise
    listener.close()  # the daphne processes hold it now
    pid, status = os.wait()
    first = next(child for child in children if child.pid == pid)
    first.returncode = os.waitstatus_to_exitcode(status)
    _stop(children)
    codes = [child.returncode for child in children]
    # Stopped by a signal passed on: every process ends with it, which is a clean stop.
    return 0 if all(code in (0, -signal.SIGTERM, -signal.SIGINT) for code in codes) else first.returncode or 1


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
