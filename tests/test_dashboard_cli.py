"""`gridgov dashboard`: defaults, address checks and the server command line."""

from __future__ import annotations

import socket

import pytest

from simulation.cli import build_parser, main
from simulation.cli import dashboard as cli


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


@pytest.mark.parametrize("host", ["0.0.0.0"])  # "::" needs IPv6, which CI may lack
def test_a_host_beyond_this_machine_needs_allow_remote(capsys, host):
    assert main(["dashboard", "--host", host]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--allow-remote" in err and "--token" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_need_nothing(host):
    assert cli.is_loopback(host)


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--token", "a b"], "--token must be"),
        (["--token", "x"], "--token must be"),
        (["--max-sessions", "0"], "--max-sessions must be"),
        (["--max-households", "10"], "--max-households must be"),
        (["--keep-minutes", "nan"], "--keep-minutes must be"),
    ],
)
def test_bad_classroom_options_give_one_line_and_exit_2(capsys, argv, expected):
    assert main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err


def test_the_server_gets_the_limits_the_password_and_a_short_cull_time():
    args = build_parser().parse_args(
        ["dashboard", "--token", "ban-ji-42", "--max-sessions", "30", "--keep-minutes", "3"]
    )
    env = cli.server_environment(args, {"GRIDGOV_DASHBOARD_TOKEN": "old", "PATH": "/bin"})
    assert env["GRIDGOV_DASHBOARD_TOKEN"] == "ban-ji-42"
    assert env["GRIDGOV_MAX_SESSIONS"] == "30"
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "180s" and env["GRIDGOV_IDLE_MINUTES"] == "90"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false" and env["PATH"] == "/bin"
    args = build_parser().parse_args(["dashboard"])
    assert "GRIDGOV_DASHBOARD_TOKEN" not in cli.server_environment(args, {})


@pytest.mark.slow
@pytest.mark.extra("dashboard")
def test_allow_remote_starts_with_a_warning_and_prints_the_link_with_the_token():
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "simulation.cli", "dashboard", "--host", "0.0.0.0"]
    command += ["--allow-remote", "--token", "ban-ji-42", "--port", str(port)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        assert proc.poll() is None
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert f"Dashboard: http://0.0.0.0:{port}/?token=ban-ji-42" in out.decode()
    warning = [line for line in err.decode().splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "every machine" in warning[0] and "password" in warning[0]
