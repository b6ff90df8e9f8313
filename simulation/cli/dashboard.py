"""`gridgov dashboard`: start the trainer dashboard here (offline, loopback by default).

Listening beyond this machine (a classroom's network) must be asked for with `--allow-remote`,
and can be guarded by a shared classroom password (`--token`). The server's limits (sessions,
households per street, how long a page that lost its connection is kept) reach the Solara server
through its environment.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import re
import socket
import sys

from simulation.dashboard.classroom import DEFAULT_MAX_HOUSEHOLDS, DEFAULT_MAX_SESSIONS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_KEEP_MINUTES = 2.0
DEFAULT_IDLE_MINUTES = 90.0
APP = "simulation.dashboard.app"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{4,64}")  # URL-safe, so it can go in the link


def is_loopback(host: str) -> bool:
    """True if `host` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def option_problem(args: argparse.Namespace) -> str | None:
    """Why these options cannot start a dashboard, as one line, or None."""
    if not is_loopback(args.host) and not args.allow_remote:
        return (
            f"--host {args.host} would let every machine on the network open the dashboard and "
            "run simulations on this one; add --allow-remote to do that on purpose "
            "(and --token PASSWORD to ask trainees for a classroom password)"
        )
    if args.token is not None and not TOKEN_PATTERN.fullmatch(args.token):
        return "--token must be 4-64 letters, digits or . _ ~ - (it goes into the page's link)"
    if not 1 <= args.max_sessions <= 1000:
        return f"--max-sessions must be between 1 and 1000, got {args.max_sessions}"
    if not 100 <= args.max_households <= 200_000:
        return f"--max-households must be between 100 and 200000, got {args.max_households}"
    if not 1 <= args.idle_minutes <= 24 * 60:
        return f"--idle-minutes must be between 1 and 1440, got {args.idle_minutes:g}"
    if not 0.05 <= args.keep_minutes <= 24 * 60:
        return f"--keep-minutes must be between 0.05 and 1440, got {args.keep_minutes:g}"
    return None


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


def server_environment(args: argparse.Namespace, base: dict[str, str]) -> dict[str, str]:
    """The Solara server's environment: no telemetry, the limits, the password, the cull time."""
    env = dict(base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env["GRIDGOV_MAX_SESSIONS"] = str(args.max_sessions)
    env["GRIDGOV_MAX_HOUSEHOLDS"] = str(args.max_households)
    # Solara keeps a page whose connection dropped for 24 h by default; a classroom's phones
    # sleep and Wi-Fi drops, so free such a session after a few minutes instead.
    env["SOLARA_KERNEL_CULL_TIMEOUT"] = f"{args.keep_minutes * 60:g}s"
    env["GRIDGOV_IDLE_MINUTES"] = f"{args.idle_minutes:g}"
    env.pop("GRIDGOV_DASHBOARD_TOKEN", None)
    if args.token:
        env["GRIDGOV_DASHBOARD_TOKEN"] = args.token
    return env


def run(args: argparse.Namespace) -> int:
    """Check the options and address, print the link, and replace this process with the server."""
    # The address first: a mistyped host is "not an address", not a reason for --allow-remote.
    problem = port_problem(args.host, args.port) or option_problem(args)
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
    env = server_environment(args, dict(os.environ))
    shown = f"[{args.host}]" if ":" in args.host else args.host
    link = f"http://{shown}:{args.port}" + (f"/?token={args.token}" if args.token else "")
    print(f"Dashboard: {link}  (works offline; Ctrl+C stops it)", flush=True)
    if not is_loopback(args.host):
        guard = (
            "trainees need the classroom password (in the link above)"
            if args.token
            else "there is no password (add --token PASSWORD to ask for one)"
        )
        print(
            f"warning: the dashboard is open to every machine that can reach {args.host}:"
            f"{args.port}; {guard}. Use it only on a network you trust.",
            file=sys.stderr,
            flush=True,
        )
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
        help=f"interface to listen on (default {DEFAULT_HOST}; 0.0.0.0 shares it on the network, "
        "which needs --allow-remote)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than this machine (a classroom network)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("GRIDGOV_DASHBOARD_TOKEN") or None,
        help="classroom password: pages must carry ?token=PASSWORD or type it "
        "(default $GRIDGOV_DASHBOARD_TOKEN, else none)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        help=f"pages served at once; more get a polite refusal (default {DEFAULT_MAX_SESSIONS})",
    )
    parser.add_argument(
        "--max-households",
        type=int,
        default=DEFAULT_MAX_HOUSEHOLDS,
        help=f"households per street a page may build (default {DEFAULT_MAX_HOUSEHOLDS:,})",
    )
    parser.add_argument(
        "--keep-minutes",
        type=float,
        default=DEFAULT_KEEP_MINUTES,
        help="minutes a page that lost its connection is kept before it is freed "
        f"(default {DEFAULT_KEEP_MINUTES:g})",
    )
    parser.add_argument(
        "--idle-minutes",
        type=float,
        default=DEFAULT_IDLE_MINUTES,
        help="minutes after which an open page nobody uses has its streets freed "
        f"(it then offers Reset; default {DEFAULT_IDLE_MINUTES:g})",
    )
    parser.set_defaults(func=run)
