"""`gridgov dashboard`: defaults, address checks and the server command line."""

from __future__ import annotations

import socket

import pytest

from simulation.cli import build_parser, main
from simulation.dashboard import cli


def test_defaults_are_loopback_and_port_8765():
    args = build_parser().parse_args(["dashboard"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    assert args.func is cli.run


def test_port_in_use_gives_one_clear_line_and_exit_2(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert "--port" in err


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--port", "70000"], "not a valid port"),
        (["--host", "no-such-host.invalid"], "not an address of this machine"),
    ],
)
def test_bad_address_gives_a_message_and_exit_2(capsys, argv, expected):
    assert main(["dashboard", *argv]) == 2
    assert expected in capsys.readouterr().err


def test_free_port_is_accepted():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert cli.port_problem("127.0.0.1", port) is None


def test_server_runs_offline_in_production_mode():
    command = cli.server_command("127.0.0.1", 9999)
    assert command[1:5] == ["-m", "solara", "run", "simulation.dashboard.app"]
    for flag in ("--production", "--no-open", "--no-check-version"):
        assert flag in command
    assert command[command.index("--port") + 1] == "9999"
    assert command[command.index("--host") + 1] == "127.0.0.1"
