"""Atomic file writes and JSONL reading with line-numbered errors.

Every artifact engrain writes goes through `atomic_path`/`write_*`: a crash or Ctrl-C
mid-write leaves the previous version intact, never a half file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from engrain.errors import EngrainError


@contextlib.contextmanager
def atomic_path(dest: str | Path, is_dir: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling path; rename it over `dest` only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent)) if is_dir else None
    if tmp is None:
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o755 if is_dir else 0o644)  # mkstemp/mkdtemp create owner-only
        if is_dir and dest.exists():
            old = dest.with_name(f".{dest.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink()


def _default(o: Any) -> Any:
    if dataclasses.is_dataclass(o):
        return dataclasses.asdict(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_text(dest: str | Path, text: str) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(dest: str | Path, obj: Any) -> None:
    write_text(dest, json.dumps(obj, indent=2, default=_default, ensure_ascii=False) + "\n")


def write_jsonl(dest: str | Path, rows: Iterable[Any]) -> int:
    n = 0
    with atomic_path(dest) as tmp, tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, default=_default, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """Yield objects; a bad line raises EngrainError naming file and line number."""
    path = Path(path)
    if not path.is_file():
        raise EngrainError(f"file not found: {path}")
    try:
        with path.open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise EngrainError(f"{path}:{lineno}: malformed JSON ({e.msg})") from None
                if not isinstance(obj, dict):
                    raise EngrainError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
                yield obj
    except UnicodeDecodeError as e:
        raise EngrainError(f"{path}: not UTF-8 text (byte {e.start})") from None


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EngrainError(f"file not found: {path}") from None
    except json.JSONDecodeError as e:
        raise EngrainError(f"{path}: malformed JSON ({e.msg}, line {e.lineno})") from None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_json(obj: Any) -> str:
    """Stable hash of a JSON-able object: the cache key of a stage."""
    return sha256_bytes(json.dumps(obj, sort_keys=True, default=_default).encode())


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def folder_hashes(folder: str | Path, skip: str | None = None) -> dict[str, str]:
    """sha256 of every file below `folder`, by relative path: what a stage wrote, what an artifact holds."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != skip
    }


def read_toml(path: str | Path, what: str = "file") -> dict:
    """A TOML file as a dict; a missing or malformed file is a one-line EngrainError."""
    import tomllib

    path = Path(path)
    if not path.is_file():
        raise EngrainError(f"{what} not found: {path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise EngrainError(f"{path}: not valid TOML ({e})") from None


def validated(model_cls, raw: dict, where: str):
    """`model_cls.model_validate(raw)`, its first error as one line naming the key."""
    from pydantic import ValidationError

    try:
        return model_cls.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")  # a validator's own message says what is wrong
        raise EngrainError(f"{where}: invalid value for {loc}: {msg}") from None
