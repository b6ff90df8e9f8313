"""Scenario files: TOML in, a complete validated parameter dict out, or one clear error line.

A scenario file looks like::

    name = "full"                      # optional, defaults to the file name
    description = "All three mechanisms"
    extends = "baseline.toml"          # optional, relative to this file

    [parameters]
    identity = true
    need_rate = 2.0

Values not given come from the file it extends, and finally from the defaults in
`simulation.core.parameters`. Every problem raises `ConfigError` whose text names the file,
the field and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.core.parameters import PARAMETERS, ParameterError, check_value, validate

#: Keys a scenario file may have; titles and descriptions come in English and Chinese.
TOP_LEVEL_KEYS = {
    "name", "title", "title_zh", "description", "description_zh", "extends", "parameters",
}  # fmt: skip
TEXT_KEYS = ("name", "title", "title_zh", "description", "description_zh", "extends")


class ConfigError(Exception):
    """Bad input: carries the file, the field and a message; `str()` is one line."""

    def __init__(self, file: str | Path, field: str | None, message: str):
        """Create the error for `file` and `field` (None when the whole file is at fault)."""
        self.file = str(file)
        self.field = field
        self.message = message
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {message}")


def config_error(file: str | Path, where: str, message: str) -> Exception:
    """Build the project's one-line input error (``FILE: FIELD: message``).

    Args:
        file: The file the problem is in.
        where: The field, e.g. ``design.factors.need_rate``.
        message: What is wrong and what is allowed.

    Returns:
        A `ConfigError` (exit code 2 on the command line).
    """
    return ConfigError(str(file), where, message)


def check_field(file: str | Path, where: str, name: str, value: Any) -> Any:
    """Check one parameter value with `simulation.core.parameters.check_value`.

    Args:
        file: File for the error message.
        where: Field path for the error message.
        name: Parameter name.
        value: Value from the file.

    Returns:
        The value as the parameter's type.

    Raises:
        ConfigError: Unknown parameter, wrong type or outside the allowed range.
    """
    try:
        return check_value(name, value)
    except ParameterError as exc:
        raise config_error(file, where, exc.message) from None


def unknown_keys(file, where, table: dict, allowed: set[str]) -> None:
    """Raise a `ConfigError` for the first key of `table` not in `allowed`."""
    for key in table:
        if key not in allowed:
            allowed_list = ", ".join(sorted(allowed))
            raise config_error(file, f"{where}.{key}", f"unknown key (allowed: {allowed_list})")


@dataclass
class Scenario:
    """A named, complete and validated model configuration."""

    name: str
    params: dict[str, Any]
    description: str = ""
    path: Path | None = None
    chain: list[Path] = field(default_factory=list)
    title: str = ""
    title_zh: str = ""
    description_zh: str = ""


def coerce_value(name: str, value: Any, source: str) -> Any:
    """Check one parameter value (see `parameters.check_value`), naming `source` on error.

    Raises:
        ConfigError: Unknown name, wrong type or out of range.
    """
    try:
        return check_value(name, value)
    except ParameterError as exc:
        raise ConfigError(source, exc.field, exc.message) from None


def validate_parameters(params: dict[str, Any], source: str = "parameters") -> dict[str, Any]:
    """Complete and check a parameter dict (see `parameters.validate`), naming `source` on error.

    Raises:
        ConfigError: On any unknown key, wrong type, out-of-range value or impossible mix.
    """
    try:
        return validate(params)
    except ParameterError as exc:
        raise ConfigError(source, exc.field, exc.message) from None


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
    if not data:
        raise ConfigError(
            path, None, "empty scenario file; a scenario needs at least a [parameters] table "
            "or an 'extends' line (see scenarios/full.toml)",
        )  # fmt: skip
    for key in TEXT_KEYS:
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
        params = validate_parameters(params, f"{path} with --set")
    return Scenario(
        name=data.get("name", path.stem),
        params=params,
        description=data.get("description", ""),
        path=path,
        chain=seen,
        title=data.get("title", ""),
        title_zh=data.get("title_zh", ""),
        description_zh=data.get("description_zh", ""),
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
        if "\n" in item or "\r" in item:
            # TOML would read a second line as a second key and it would be silently dropped.
            raise ConfigError("--set", key, "one key=value per --set (the value has a line break)")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            raise ConfigError("--set", key, f"cannot read value {text!r}") from None
        out[key] = coerce_value(key, value, "--set")
    return out
