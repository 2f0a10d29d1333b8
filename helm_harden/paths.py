"""Paths as repositories and CI systems name them: relative to the git work tree."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def relative_path(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """``path`` relative to ``root`` (default: its git work tree, else the current directory)."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(root) if root is not None else (repository_root(absolute) or os.getcwd())
    try:
        return Path(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return Path(absolute).as_posix()


@lru_cache(maxsize=256)
def repository_root(path: str) -> str | None:
    """The nearest directory at or above ``path`` holding ``.git`` (a directory, or a worktree's file)."""
    directory = Path(path) if os.path.isdir(path) else Path(path).parent
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return str(candidate)
    return None
