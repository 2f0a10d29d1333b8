"""An append-only list that waits in a temporary file, for what a streamed scan must hold back.

A `check` whose reports are all JSON keeps no findings in memory (`report.json_report.JsonFindings`);
the few it must hold until the stream ends (token findings whose ServiceAccount may follow) would
bring the memory back on a stream of many pods, so they wait here: in memory up to 1 MB, then on disk.
"""

from __future__ import annotations

import contextlib
import pickle
import tempfile
from typing import Any, Iterator

from helm_harden.errors import OutputError


class SpilledList:
    def __init__(self, what: str):
        self._what = what  # named in the error when the temporary file cannot be written
        self._file = tempfile.SpooledTemporaryFile(max_size=1 << 20)
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def append(self, item: Any) -> None:
        self._guarded(pickle.dump, item, self._file, pickle.HIGHEST_PROTOCOL)
        self._length += 1

    def __iter__(self) -> Iterator[Any]:
        """The items in the order they were appended (the list can be read more than once)."""
        self._guarded(self._file.seek, 0)
        for _ in range(self._length):
            yield pickle.load(self._file)

    def _guarded(self, action, *arguments) -> Any:
        return on_temporary_file(self._file, self._what, action, *arguments)


def on_temporary_file(file, what: str, action, *arguments) -> Any:
    """``action(*arguments)`` on a temporary ``file`` that holds ``what``. If it fails (its disk is
    full), the file is closed, dropping what it still buffers, so that nothing fails again at exit."""
    try:
        return action(*arguments)
    except OSError as error:
        with contextlib.suppress(OSError):
            file.close()
        raise OutputError(f"cannot hold {what} in a temporary file: {error.strerror}") from None
