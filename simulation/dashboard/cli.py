"""`gridgov dashboard`: start the trainer dashboard here (offline, loopback by default)."""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "simulation.dashboard.app"


def port_problem(host: str, port: int) -> str | None:
    """Why the dashboard cannot listen on host:port, as one line, or None if it can."""
    if not 1 <= port <= 65535:
        return f"port {port} is not a valid port (1-65535)"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return f"host '{host}' is not an address of this machine"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # Same option as the web server, so a port only in TIME_WAIT does not count as busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use "
                    f"(is the dashboard already running?); choose another with --port N"
                )
            if exc.errno == errno.EACCES:
                return f"no permission to use port {port} on {host}; choose a port above 1023"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def server_command(host: str, port: int) -> list[str]:
    """Return the `solara run` command line that serves the dashboard."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",  # it would ask pypi.org; a classroom may have no internet
    ]


def run(args: argparse.Namespace) -> int:
    """Check the address, print it, and replace this process with the Solara server."""
    problem = port_problem(args.host, args.port)
    if problem:
        print(f"gridgov dashboard: {problem}", file=sys.stderr)
        return 2
    try:
        import solara  # noqa: F401
    except ModuleNotFoundError:
        print(
            "gridgov dashboard: the dashboard needs the 'dashboard' extra: "
            "pip install -e '.[dashboard]'",
            file=sys.stderr,
        )
        return 2
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Dashboard: http://{shown}:{args.port}  (works offline; Ctrl+C stops it)", flush=True)
    command = server_command(args.host, args.port)
    # exec keeps one process: Ctrl+C and a test's kill reach the server directly.
    os.execve(command[0], command, env)
    return 0  # not reached


def add_parser(subparsers) -> None:
    """Add the `dashboard` subcommand to the `gridgov` parser."""
    parser = subparsers.add_parser(
        "dashboard",
        help="start the trainer dashboard in the browser",
        description="Start the trainer dashboard (a local web page; no internet needed).",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"interface to listen on (default {DEFAULT_HOST}; 0.0.0.0 shares it on the network)",
    )
    parser.set_defaults(func=run)
