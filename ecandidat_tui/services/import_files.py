"""Reading a file an administrator imports (catalog, student directory), defensively.

The path comes from the command line and may name anything: a FIFO (reading
it would wait forever for a writer), `/dev/zero` (endless), a folder, a file
of gigabytes, JSON nested 100,000 levels deep. Each is refused with one line
naming the file, before anything is parsed or written.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .errors import DomainError

MAX_IMPORT_BYTES = 32 * 1024 * 1024  # a whole university's catalog is well under 1 MB
MAX_JSON_DEPTH = 32  # the catalog nests 8 levels, the directory 4


class ImportFileRefused(DomainError):
    """The file cannot be imported at all (not a problem of one line or field)."""


def read_import_text(path: Path, max_bytes: int = MAX_IMPORT_BYTES) -> str:
    """The text of a regular UTF-8 file of at most `max_bytes` (a BOM is dropped).

    Opened without blocking and checked on the open descriptor, so a FIFO or a
    device named by the path (or swapped in behind it) is refused, not read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ImportFileRefused(f"{path}: cannot read the file ({reason})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ImportFileRefused(f"{path}: not a regular file")
        if st.st_size > max_bytes:
            raise ImportFileRefused(f"{path}: too large ({st.st_size} bytes; at most {max_bytes})")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ImportFileRefused(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew while being read
        raise ImportFileRefused(f"{path}: too large (more than {max_bytes} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileRefused(f"{path}: not UTF-8 text (byte {exc.start})") from None


def load_json(text: str, name: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing documents nested deeper than `max_depth`.

    json.JSONDecodeError passes through for the caller to report with its line.
    """
    try:
        doc = json.loads(text)
    except RecursionError:  # Python's parser stops near its recursion limit (~1000 levels)
        raise ImportFileRefused(f"{name}: JSON nested too deeply (at most {max_depth} levels)") from None
    if json_depth(doc) > max_depth:
        raise ImportFileRefused(f"{name}: JSON nested too deeply (at most {max_depth} levels)")
    return doc


def json_depth(doc: Any) -> int:
    """How many arrays/objects deep `doc` goes (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest
