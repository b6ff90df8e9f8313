"""Scenario files: TOML in, a complete validated parameter dict out, or one clear error line.

A scenario file looks like::

    name = "full"                      # optional, defaults to the file name
    description = "All three mechanisms"
    extends = "baseline.toml"          # optional, relative to this file

    [parameters]
    identity = true
    need_rate = 2.0

Values not given come from the file it extends, and finally from the defaults in
`simulation.parameters`. Every problem raises `ConfigError` whose text names the file,
the field and what is allowed.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.parameters import PARAMETERS, default_parameters

TOP_LEVEL_KEYS = {"name", "description", "extends", "parameters"}


class ConfigError(Exception):
    """Bad input: carries the file, the field and a message; `str()` is one line."""

    def __init__(self, file: str | Path, field: str | None, message: str):
        """Create the error for `file` and `field` (None when the whole file is at fault)."""
        self.file = str(file)
        self.field = field
        self.message = message
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {message}")


@dataclass
class Scenario:
    """A named, complete and validated model configuration."""

    name: str
    params: dict[str, Any]
    description: str = ""
    path: Path | None = None
    chain: list[Path] = field(default_factory=list)


def _describe(p) -> str:
    if p.kind is bool:
        return "true or false"
    kind = "an integer" if p.kind is int else "a number"
    return f"{kind} in [{p.low:g}, {p.high:g}] ({p.unit})"


def coerce_value(name: str, value: Any, source: str) -> Any:
    """Check one parameter value's type and range; return it as the parameter's type.

    Args:
        name: Parameter name.
        value: Value as read (from TOML, a `--set` string already parsed, or Python).
        source: File or origin named in the error.

    Raises:
        ConfigError: Unknown name, wrong type or out of range.
    """
    spec = PARAMETERS.get(name)
    if spec is None:
        raise ConfigError(source, name, "unknown parameter (see docs/model.md for the list)")
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(source, name, f"must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(source, name, f"must be {_describe(spec)}, got {value!r}")
    if spec.kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ConfigError(source, name, f"must be {_describe(spec)}, got {value!r}")
        value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(source, name, f"must be {_describe(spec)}, got {value!r}")
    if not spec.low <= value <= spec.high:
        raise ConfigError(source, name, f"must be {_describe(spec)}, got {value!r}")
    return value


def validate_parameters(params: dict[str, Any], source: str = "parameters") -> dict[str, Any]:
    """Validate a (partial) parameter dict and return the complete one with defaults filled in.

    Args:
        params: Parameter values to check.
        source: What to name in error messages (usually a file path).

    Raises:
        ConfigError: On any unknown key, wrong type, out-of-range value or impossible mix.
    """
    full = default_parameters()
    for name, value in params.items():
        full[name] = coerce_value(name, value, source)
    check_combination(full, source)
    return full


def check_combination(p: dict[str, Any], source: str) -> None:
    """Reject parameter combinations that cannot describe a street."""
    if p["workers_per_grid"] > p["households_per_grid"]:
        raise ConfigError(
            source, "workers_per_grid",
            f"more grid workers ({p['workers_per_grid']}) than households per grid "
            f"({p['households_per_grid']})",
        )  # fmt: skip
    if p["department_delay_min"] > p["department_delay_max"]:
        raise ConfigError(source, "department_delay_min", "must not exceed department_delay_max")
    if p["competence_min"] > p["competence_max"]:
        raise ConfigError(source, "competence_min", "must not exceed competence_max")
    if p["share_partner_needs"] + p["share_department_needs"] > 1:
        raise ConfigError(
            source, "share_partner_needs", "share_partner_needs + share_department_needs > 1"
        )
    if p["neighbour_ties"] >= p["households_per_grid"]:
        raise ConfigError(source, "neighbour_ties", "must be below households_per_grid")
    if p["resident_reps"] > p["households_per_grid"]:
        raise ConfigError(source, "resident_reps", "must not exceed households_per_grid")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except IsADirectoryError:
        raise ConfigError(path, None, "is a directory, expected a .toml file") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read ({exc.strerror})") from None
    try:
        return tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, None, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"malformed TOML ({exc})") from None


def _raw_parameters(path: Path, seen: list[Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parameters a file sets, merged over the files it extends; also the file's own table."""
    key = path.resolve()
    if key in seen:
        raise ConfigError(path, "extends", "circular 'extends' chain")
    seen.append(key)
    data = _read_toml(path)
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        hint = " (model parameters go under [parameters])" if unknown[0] in PARAMETERS else ""
        raise ConfigError(
            path, unknown[0], f"unknown key; allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}{hint}"
        )
    for key in ("name", "description", "extends"):
        if key in data and not isinstance(data[key], str):
            raise ConfigError(path, key, "must be a string")
    own = data.get("parameters", {})
    if not isinstance(own, dict):
        raise ConfigError(path, "parameters", "must be a table ([parameters])")
    for name, value in own.items():
        if isinstance(value, dict):
            raise ConfigError(path, f"parameters.{name}", "must be a value, not a table")
        coerce_value(name, value, f"{path}: parameters")  # names file and field
    merged: dict[str, Any] = {}
    if "extends" in data:
        parent = path.parent / data["extends"]
        if not parent.exists():
            raise ConfigError(path, "extends", f"file {data['extends']!r} not found")
        merged, _ = _raw_parameters(parent, seen)
    merged.update(own)
    return merged, data


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: The scenario's TOML file.
        overrides: Extra parameter values (e.g. from `--set`), applied last.

    Returns:
        The scenario with a complete parameter dict.

    Raises:
        ConfigError: One line naming the file and field at fault.
    """
    path = Path(path)
    seen: list[Path] = []
    raw, data = _raw_parameters(path, seen)
    params = validate_parameters(raw, str(path))
    if overrides:
        for name, value in overrides.items():
            params[name] = coerce_value(name, value, "--set")
        check_combination(params, f"{path} with --set")
    return Scenario(
        name=data.get("name", path.stem),
        params=params,
        description=data.get("description", ""),
        path=path,
        chain=seen,
    )


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """Parse `key=value` strings (TOML values: `true`, `3`, `2.5`) into a dict.

    Raises:
        ConfigError: A malformed item or an unknown key.
    """
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError("--set", item, "expected key=value")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            raise ConfigError("--set", key, f"cannot read value {text!r}") from None
        out[key] = coerce_value(key, value, "--set")
    return out


def _validate_command(args: argparse.Namespace) -> int:
    failed = 0
    for f in args.files:
        try:
            load_scenario(f)
        except ConfigError as exc:
            print(f"gridgov: error: {exc}", file=sys.stderr)
            failed += 1
        else:
            print(f"{f}: ok")
    return 2 if failed else 0


def add_parser(sub) -> None:
    """Register `gridgov validate`."""
    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_validate_command)
