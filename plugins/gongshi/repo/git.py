"""Running Git: the one way the package runs a ``git`` command to its end and reads its output.

Commands whose output is streamed (``git log`` of the whole history, the listings started while
Python walks the tree) start their own process where they are read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_git(
    root: Path, *args: str, input_bytes: bytes | None = None, text: bool = True
) -> subprocess.CompletedProcess:
    """``git -C root -c core.quotepath=off args...``, run to its end; a failing command does not
    raise (read ``returncode``). Output is text (UTF-8, undecodable bytes replaced) or, with
    ``text=False``, bytes; ``input_bytes`` (with ``text=False``) is written to its standard input."""
    return subprocess.run(
        ["git", "-C", str(root), "-c", "core.quotepath=off", *args],
        capture_output=True,
        input=input_bytes,
        encoding="utf-8" if text else None,
        errors="replace" if text else None,
        check=False,
    )
