"""Writing reports and baselines whole."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from helm_harden.errors import OutputError


def write_whole(path: str, text: str | Iterable[str], what: str) -> None:
    """Write ``text`` (or its pieces, in order) to ``path`` so that no reader ever sees half of it.

    A regular file is replaced once the new content is complete. Anything else, a symbolic
    link, /dev/stderr, a pipe such as ``>(wc -c)``, is written to as it is: replacing it would
    destroy the link or device instead of writing through it.
    """
    pieces = (text,) if isinstance(text, str) else text
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isfile(path)):
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.writelines(pieces)
        except OSError as error:
            raise OutputError(f"{path}: cannot write the {what}: {error.strerror}") from None
        return
    temporary = f"{path}.tmp-{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.writelines(pieces)
        os.replace(temporary, path)
    except OSError as error:
        _remove(temporary)
        raise OutputError(f"{path}: cannot write the {what}: {error.strerror}") from None
    except BaseException:  # the pieces failed, or Ctrl-C while a large report was copied out
        _remove(temporary)
        raise


def _remove(temporary: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temporary)
