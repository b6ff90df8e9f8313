"""Output folders: ours or refused.

Every folder gridgov writes (a `gridgov run` folder, a `gridgov sweep` results folder) carries
a marker file, written before anything else, that names what wrote it (tool, kind, experiment
or scenario name, fingerprint) and lists every file written there. From that follow the rules:

- A folder that exists and holds anything but lacks our marker is refused (one line, nothing
  touched): it may be someone's thesis. So is a folder whose marker names another experiment
  or scenario, the current folder or one of its parents, a file, a symbolic link, and "/" or
  the home folder.
- Replacing our own results (``--overwrite`` / ``--fresh``) removes exactly the files the
  marker lists and nothing else; a file the user put there stays.
- One writer at a time: the folder itself is locked with ``flock`` for the writer's life. The
  kernel drops the lock when the holder dies, so a stale lock is taken over safely; the
  holder's PID is recorded in the marker so a refused second writer can name it.
- Names that come from files (scenario and experiment ``name``) become a safe slug before they
  are used as a folder name, so output stays under the chosen root.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import socket
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulation.config import ConfigError

# One module on purpose (longer than most): the marker, what may be removed and the lock are
# one set of rules that must be read and changed together.

MARKER = ".gridgov-folder.json"
#: Longest slug in UTF-8 bytes: well under the 255-byte file-name limit of common filesystems.
SLUG_MAX_BYTES = 80
_FORBIDDEN = set('/\\:*?"<>|')


def safe_slug(name: Any, max_bytes: int = SLUG_MAX_BYTES) -> str:
    """Turn a name from a file into one safe folder name (unicode is kept).

    Separators, control characters (NUL included) and runs of dots become ``-``; leading dots
    and dashes go (no hidden names, no ``.`` or ``..``); the result is cut to `max_bytes`
    UTF-8 bytes without splitting a character.

    Args:
        name: The name as read (any value; it is converted with ``str``).
        max_bytes: Longest result in UTF-8 bytes.

    Returns:
        A non-empty slug with no path separator (``"unnamed"`` when nothing usable is left).
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(
        "-" if c in _FORBIDDEN or unicodedata.category(c)[0] in "CZ" and c != " " else c
        for c in text
    )
    text = re.sub(r"\s+", "-", text.strip())
    text = re.sub(r"\.{2,}", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip(".-")
    text = text.encode()[:max_bytes].decode("utf-8", "ignore").rstrip(".-")
    return text or "unnamed"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _refuse(path: Path | str, message: str) -> ConfigError:
    return ConfigError(str(path), "--out", message)


def read_marker(path: str | Path) -> dict[str, Any] | None:
    """The marker of a folder, or None when it has none (or an unreadable one)."""
    try:
        data = json.loads((Path(path) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _owner_text(marker: dict[str, Any]) -> str:
    return f"{marker.get('tool', 'gridgov')} of {marker.get('kind', '?')} {marker.get('name')!r}"


def _resolve_safe(path: str | Path) -> tuple[Path, Path]:
    """The folder asked for and its resolved path.

    A bad name, a symbolic link, the current folder, one of its parents, the root and home are
    refused.
    """
    p = Path(path)
    if str(path).strip() == "" or "\0" in str(path):
        raise _refuse(repr(str(path)), "not a usable folder name")
    if p.is_symlink():
        raise _refuse(p, "is a symbolic link; give the real folder")
    try:
        resolved = p.resolve()
    except (OSError, RuntimeError) as exc:
        raise _refuse(p, f"cannot be resolved ({exc})") from None
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the current folder was deleted: nothing of it to protect
        cwd = Path("/nonexistent-cwd")
    if resolved == cwd or resolved in cwd.parents:
        raise _refuse(p, "is the current folder or one of its parents; give a new sub-folder")
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise _refuse(p, "is the root or home folder; give a new sub-folder")
    return p, resolved


def _unmarked(p: Path) -> str:
    """``"empty"`` for an existing folder without our marker and empty; else refuse it."""
    try:
        empty = not any(p.iterdir())
    except OSError as exc:
        raise _refuse(p, f"cannot be read ({exc.strerror})") from None
    if empty:
        return "empty"
    if (p / "manifest.json").is_file() and (p / "runs").is_dir():
        raise _refuse(
            p, f"holds results of an older gridgov that wrote no {MARKER}; nothing was "
            "changed: move it away yourself, or choose a new folder",
        )  # fmt: skip
    raise _refuse(
        p,
        f"already holds files gridgov did not write (no {MARKER}); nothing was changed, "
        "choose a new folder",
    )


def check_target(path: str | Path, owner: dict[str, Any]) -> str:
    """Decide, without writing anything, whether `owner` may write into `path`.

    Args:
        path: The output folder asked for.
        owner: ``{"tool", "kind", "name", ...}`` of the writer (see `claim`).

    Returns:
        ``"new"`` (does not exist), ``"empty"`` (an empty folder) or ``"ours"`` (our marker,
        same kind and name: the caller decides about resume or overwrite).

    Raises:
        ConfigError: One line saying why the folder is refused.
    """
    p, resolved = _resolve_safe(path)
    if p.exists() and not p.is_dir():
        raise _refuse(p, "is a file, not a folder")
    if not p.exists():
        parent = next((a for a in resolved.parents if a.exists()), None)
        if parent is None or not parent.is_dir():
            raise _refuse(p, f"cannot be created: {parent} is not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise _refuse(p, f"cannot be created: {parent} is not writable")
        return "new"
    marker = read_marker(p)
    if marker is None:
        return _unmarked(p)
    if (marker.get("kind"), marker.get("name")) != (owner.get("kind"), owner.get("name")):
        raise _refuse(
            p,
            f"holds the results of {_owner_text(marker)}; nothing was changed, choose "
            "another folder",
        )
    return "ours"


class Folder:
    """An output folder we own and hold the lock of (use `claim`).

    Attributes:
        path: The folder.
        marker: The marker's content (``files`` lists what we wrote, relative paths).
    """

    def __init__(self, path: Path, fd: int, marker: dict[str, Any]):
        self.path = path
        self._fd = fd
        self.marker = marker

    # -- bookkeeping ------------------------------------------------------------------------
    def _save(self) -> None:
        write_atomic(self.path / MARKER, (json.dumps(self.marker, indent=1) + "\n").encode())

    def record(self, *relpaths: str | Path) -> None:
        """List files as ours *before* writing them (a crash then leaves nothing unlisted)."""
        files = self.marker.setdefault("files", [])
        new = [str(r) for r in relpaths if str(r) not in files]
        if new:
            files.extend(new)
            self._save()

    def update(self, **fields: Any) -> None:
        """Change marker fields (e.g. the fingerprint after a fresh start)."""
        self.marker.update(fields)
        self._save()

    def write(self, relpath: str | Path, data: bytes) -> Path:
        """Record and atomically write one file of ours."""
        self.record(relpath)
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        return target

    @contextlib.contextmanager
    def writing(self, relpath: str | Path) -> Iterator[Path]:
        """Record a file as ours, yield a temporary path to write, then rename it into place.

        The temporary file is removed if writing fails, so a full disk leaves no empty file.
        """
        self.record(relpath)
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            yield tmp
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def listed(self) -> list[str]:
        """Every file we wrote: the marker's list plus what other commands recorded."""
        files = list(self.marker.get("files", []))
        for side in sorted(self.path.glob(OUTPUTS_GLOB)):
            try:
                files += [str(f) for f in json.loads(side.read_text()).get("files", [])]
            except (OSError, ValueError, AttributeError):
                continue
            files.append(side.name)
        return list(dict.fromkeys(files))

    def remove_ours(self, keep: tuple[str, ...] = ()) -> int:
        """Remove every file we wrote (see `listed`) and their temporary files, nothing else.

        Folders we emptied are removed too; a folder still holding someone's file stays.

        Args:
            keep: Relative paths to leave in place.

        Returns:
            How many files were removed.
        """
        removed = 0
        dirs: set[Path] = set()
        for rel in self.listed():
            if rel in keep:
                continue
            target = self.path / rel
            if not target.resolve().is_relative_to(self.path.resolve()):
                continue  # a hand-edited marker must not reach outside the folder
            _remove_temporaries(target)
            if target.is_file() or target.is_symlink():
                target.unlink()
                removed += 1
            dirs.update(p for p in target.parents if p.is_relative_to(self.path) and p != self.path)
        for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # only when empty
        self.marker["files"] = [f for f in self.marker.get("files", []) if f in keep]
        self._save()
        return removed

    def release(self) -> None:
        """Release the lock (the kernel also releases it when the process dies)."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _remove_temporaries(target: Path) -> None:
    """Remove what a killed writer left of `target`: ``.NAME.<hex>.tmp`` (see `write_atomic`)."""
    for tmp in target.parent.glob(f".{glob_escape(target.name)}.*.tmp"):
        if re.fullmatch(r"[0-9a-f]{32}", tmp.name[len(target.name) + 2 : -4]):
            tmp.unlink(missing_ok=True)


OUTPUTS_GLOB = ".gridgov-outputs-*.json"


def record_outputs(
    path: str | Path, tool: str, since: float, patterns: tuple[str, ...]
) -> list[str]:
    """Record files another command (e.g. ``report``) wrote into a folder gridgov owns.

    They go to that command's own list (``.gridgov-outputs-<tool>.json``, no lock needed, so
    a report can run beside a sweep) and are then removed by ``--fresh`` like the sweep's own.

    Args:
        path: The folder (must carry our marker; otherwise nothing is recorded).
        tool: Short name of the command, e.g. ``"report"``.
        since: Time (``time.time()``) the command started: only files it modified count.
        patterns: Glob patterns, relative to the folder, of the files the command writes.

    Returns:
        The relative paths recorded.
    """
    root = Path(path)
    if read_marker(root) is None:
        return []
    found = {
        p.relative_to(root).as_posix()
        for pattern in patterns
        for p in root.glob(pattern)
        if p.is_file() and p.stat().st_mtime >= since - 0.05  # coarse kernel clock
    }
    side = root / f".gridgov-outputs-{safe_slug(tool)}.json"
    try:
        old = json.loads(side.read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        old = []
    files = sorted(set(old) | found)
    write_atomic(side, (json.dumps({"tool": tool, "files": files}, indent=1) + "\n").encode())
    return files


def glob_escape(name: str) -> str:
    """Escape glob wildcards in a file name."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file through a temporary sibling and a rename (never a half-written file).

    On failure (a full disk) the temporary file is removed, so no empty part is left.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _lock(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        holder = (read_marker(path) or {}).get("writer", {})
        who = f"pid {holder.get('pid')} on {holder.get('host')}" if holder else "another process"
        raise _refuse(
            path, f"is in use by another gridgov writer ({who}); wait for it or choose another "
            "folder",
        ) from None  # fmt: skip
    return fd


def claim(path: str | Path, owner: dict[str, Any]) -> Folder:
    """Create or open an output folder, lock it, and write its marker first.

    Args:
        path: The folder (checked with `check_target` first).
        owner: ``tool`` (e.g. ``"gridgov sweep"``), ``kind`` (``"sweep"``/``"run"``),
            ``name`` (experiment or scenario) and ``fingerprint`` (what identifies the results).

    Returns:
        The locked `Folder`; call ``release()`` (or use it as a context manager) when done.

    Raises:
        ConfigError: The folder is refused, or another writer holds it.
    """
    p = Path(path)
    check_target(p, owner)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refuse(p, f"cannot be created ({exc.strerror})") from None
    fd = _lock(p)
    try:
        # Checked again under the lock: another writer may have claimed it meanwhile.
        state = check_target(p, owner)
        marker = read_marker(p) if state == "ours" else None
        if marker is None:
            marker = {"gridgov_folder": 1, **owner, "created": _now(), "files": []}
        marker["writer"] = {"pid": os.getpid(), "host": socket.gethostname(), "since": _now()}
        folder = Folder(p, fd, marker)
        # Under the lock nobody else is writing: temporaries are leftovers of a killed writer.
        for rel in [MARKER, *marker.get("files", [])]:
            _remove_temporaries(p / rel)
        folder._save()
    except ConfigError:
        os.close(fd)
        raise
    except OSError as exc:
        os.close(fd)
        raise _refuse(p, f"cannot be written ({exc.strerror})") from None
    return folder
