"""Dask as an executor, safely: loopback by default, fast refusal, no silent hang.

- A LocalCluster listens on 127.0.0.1 only, worker dashboards off (a Dask scheduler runs any
  code it is sent, so it must not be reachable from the network unless the user chose so).
- ``--scheduler ADDR`` that cannot be reached within `CONNECT_S` seconds, or is not an
  address at all, is one line (exit 2) before the results folder is touched.
- While the sweep runs, `Health` is polled: a scheduler lost for `LOST_SCHEDULER_S` seconds,
  or no worker for `NO_WORKERS_S` seconds, stops the sweep with one line (`ExecutorLost`);
  finished runs are already stored and a rerun resumes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from urllib.parse import urlsplit

from simulation.config import config_error

CONNECT_S = 5.0
LOST_SCHEDULER_S = 3.0
#: How long a sweep waits for a Dask worker to (re)appear before it gives up.
NO_WORKERS_S = float(os.environ.get("GRIDGOV_DASK_NO_WORKERS_S", "60"))
ADVICE = (
    "a Dask scheduler runs any code it is sent: keep it on loopback "
    "(dask scheduler --host 127.0.0.1; dask worker --host 127.0.0.1 --no-dashboard) or use TLS "
    "(README, section Dask)"
)
_NOISY = ("distributed", "distributed.client", "distributed.core", "distributed.comm",
          "distributed.batched", "tornado", "tornado.application", "asyncio")  # fmt: skip
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class ExecutorLost(RuntimeError):
    """The executor can no longer run anything (scheduler lost, no workers); one line."""


class Health:
    """Polled by `execute` while it waits: returns a one-line problem, or None when fine.

    Args:
        client: The `distributed.Client`.
        where: The scheduler's address (for the message).
    """

    def __init__(self, client, where: str):
        self.client = client
        self.where = where
        self._down_since: float | None = None
        self._idle_since: float | None = None
        self._next_look = 0.0
        self.lost = False

    def __call__(self) -> str | None:
        """Return what is wrong with the cluster, or None."""
        now = time.monotonic()
        if self.client.status != "running":
            self._down_since = self._down_since or now
            if now - self._down_since >= LOST_SCHEDULER_S:
                self.lost = True
                return f"lost the Dask scheduler at {self.where}"
            return None
        self._down_since = None
        if now < self._next_look:
            return None
        self._next_look = now + 2.0
        try:
            n = len(self.client.scheduler_info().get("workers", {}))
        except Exception:  # the scheduler went away during the question
            return None
        if n:
            self._idle_since = None
        else:
            self._idle_since = self._idle_since or now
            if now - self._idle_since >= NO_WORKERS_S:
                return f"no Dask worker connected to {self.where} for {NO_WORKERS_S:g} s"
        return None


def _is_loopback(address: str) -> bool:
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    return host in _LOOPBACK or host.startswith("127.")


def connect(scheduler: str):
    """Connect to a running scheduler within `CONNECT_S` seconds.

    Raises:
        ConfigError: Not an address, or nothing answers there (one line).
    """
    from distributed import Client  # optional: the dask extra
    from distributed.comm import get_address_host_port  # optional: the dask extra

    hint = "give tcp://HOST:PORT of a running `dask scheduler`"
    try:
        # Checked first: a Client built on a malformed address hangs at exit in its __del__.
        get_address_host_port(scheduler)
    except (ValueError, TypeError) as exc:
        raise config_error("--scheduler", scheduler, f"not an address ({exc}); {hint}") from None
    try:
        return Client(scheduler, timeout=f"{CONNECT_S:g}s", set_as_default=False)
    except (OSError, ValueError, TypeError, TimeoutError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise config_error(
            "--scheduler", scheduler,
            f"no Dask scheduler answers there within {CONNECT_S:g} s ({first}); {hint}",
        ) from None  # fmt: skip


@contextlib.contextmanager
def open_dask(scheduler: str | None, n: int) -> Iterator[tuple[Executor, int]]:
    """Yield a Dask executor (with a ``health`` attribute) and its number of worker threads.

    Args:
        scheduler: ``tcp://host:port`` of a running scheduler, or None for a LocalCluster of
            `n` single-threaded worker processes on 127.0.0.1.
        n: Workers of the LocalCluster.
    """
    try:
        from distributed import LocalCluster  # optional: the dask extra
    except ImportError:
        raise config_error(
            "--executor", "dask", "needs the dask extra: pip install 'gridgov[dask]'"
        ) from None
    # Reconnect attempts after a lost scheduler log tracebacks; our one line says it all.
    loggers = [logging.getLogger(name) for name in _NOISY]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    cluster = None
    health = None
    try:
        if scheduler:
            client = connect(scheduler)
            where = scheduler
            warn = "" if _is_loopback(scheduler) else "warning: not on loopback; "
            print(f"gridgov: Dask scheduler {scheduler}: {warn}{ADVICE}", file=sys.stderr)
        else:
            cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", worker_dashboard_address=None,
            )  # fmt: skip
            from distributed import Client  # optional: the dask extra

            client = Client(cluster, set_as_default=False)
            where = cluster.scheduler_address
            print(f"gridgov: Dask LocalCluster on {where} ({n} workers, loopback only); "
                  f"{ADVICE}", file=sys.stderr)  # fmt: skip
        try:
            info = client.scheduler_info()
            n_dask = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
            # pure=False: a resubmitted chunk must run again, not reuse a cached failure.
            executor = client.get_executor(pure=False)
            executor.health = health = Health(client, where)
            yield executor, max(1, n_dask)
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=5)
    finally:
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)
        # After a lost scheduler, the client's reconnect loop keeps logging until the process
        # ends (in Python, not on the command line, the loggers stay quiet then).
        if health is None or not health.lost:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)
