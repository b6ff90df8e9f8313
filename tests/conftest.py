"""Tests whose optional extra is not installed skip with the reason printed.

A test module that imports a package of an optional extra (the dashboard's Solara stack, Dask,
SALib) is skipped, with the extra named in the `-ra` summary, when that package is missing,
instead of failing collection. A test that needs an extra only at run time (a subprocess)
says so with `@pytest.mark.extra("dashboard")`; `browser` and `dask` tests need theirs
implicitly. In CI (`CI=true`) a missing extra, or any other skipped module, is a failure: CI
installs every extra.

Browser tests also need Chromium; `dashboard_browser_support.chromium` applies the same rule.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

#: The top-level modules of each optional extra (pyproject's `[project.optional-dependencies]`).
EXTRAS = {
    "dashboard": ("solara", "solara_assets", "ipyvue", "ipyvuetify", "segno"),
    "dask": ("dask", "distributed"),
    "experiments": ("SALib", "psutil"),
    "dev": ("playwright",),
}
EXTRA_MODULES = {module: extra for extra, modules in EXTRAS.items() for module in modules}

#: Extras a marker implies: browser tests drive the dashboard, Dask tests start a cluster.
MARKER_EXTRAS = {"browser": "dashboard", "dask": "dask"}

#: Per-test timeouts (pytest-timeout) above the default, for tests that start servers.
MARKER_TIMEOUTS = {"browser": 600, "dask": 600}


def in_ci() -> bool:
    """True when the tests run in CI (`CI=true`), where nothing may be skipped."""
    return os.environ.get("CI", "").lower() == "true"


def missing_extra(exc: BaseException | None) -> tuple[str, str] | None:
    """(extra, module) when `exc` (or an error it was raised from) is a missing extra's module."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            top = exc.name.split(".")[0]
            if top in EXTRA_MODULES:
                return EXTRA_MODULES[top], exc.name
        exc = exc.__cause__ or exc.__context__
    return None


class ModuleWithExtras(pytest.Module):
    """A test module that skips (fails in CI) when an optional extra it imports is missing."""

    def collect(self):
        """Collect the module; a missing extra's import becomes a skip with its reason."""
        try:
            return super().collect()
        except self.CollectError as exc:
            missing = missing_extra(exc)
            if missing is None:
                raise
            extra, module = missing
            reason = (
                f"{self.path.name}: the {extra!r} extra is not installed (no module "
                f"{module!r}): pip install -e '.[{extra}]'"
            )
        except pytest.skip.Exception as exc:  # a module-level skip or importorskip
            if not in_ci():
                raise
            reason = f"{self.path.name}: {exc.msg}"
        if in_ci():
            pytest.fail(f"cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)


def pytest_pycollect_makemodule(module_path, parent):
    """Collect every test module through `ModuleWithExtras`."""
    return ModuleWithExtras.from_parent(parent, path=module_path)


def pytest_runtest_setup(item):
    """Skip (fail in CI) a test whose extras, named by `extra(...)` or implied, are missing."""
    extras = {MARKER_EXTRAS[m.name] for m in item.iter_markers() if m.name in MARKER_EXTRAS}
    extras.update(name for m in item.iter_markers("extra") for name in m.args)
    for extra in sorted(extras):
        missing = [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]
        if missing:
            reason = (
                f"the {extra!r} extra is not installed (no module {missing[0]!r}): "
                f"pip install -e '.[{extra}]'"
            )
            if in_ci():
                pytest.fail(f"cannot run in CI: {reason}", pytrace=False)
            pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """Give browser and Dask tests a longer timeout unless they set their own."""
    for item in items:
        if item.get_closest_marker("timeout") is not None:
            continue
        longest = max(
            (t for name, t in MARKER_TIMEOUTS.items() if item.get_closest_marker(name)),
            default=None,
        )
        if longest is not None:
            item.add_marker(pytest.mark.timeout(longest))
