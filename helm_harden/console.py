"""Writing to the terminal, a pipe or a file: styles that only a terminal sees, and output that
is either written whole or reported as not written.

click's own `style` and `echo` do the same, but a post-renderer or a small check would load click
for them alone; these write exactly what click's would.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import sys

from helm_harden.errors import OutputError

_COLOURS = {"red": 31, "green": 32, "yellow": 33, "blue": 34}
_ANSI = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")


def style(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    """``text`` in an ANSI colour and weight, reset after it."""
    codes = ([str(_COLOURS[fg])] if fg else []) + (["1"] if bold else []) + (["2"] if dim else [])
    return "".join(f"\033[{code}m" for code in codes) + text + "\033[0m"


def unstyle(text: str) -> str:
    return _ANSI.sub("", text)


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """Write ``message`` to stdout or stderr, its styles removed unless it is a terminal."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # no such stream at all (started with it closed)
        return
    text = message + "\n" if nl else message
    if text:
        if not _is_terminal(stream):
            text = unstyle(text)
        _text_writer(stream).write(text)
    stream.flush()


def emit(text: str) -> None:
    """Write a complete report to stdout at once; failing to write all of it is an error,
    never a silent exit 0 (Helm would take a lost stream for an empty one and apply it)."""
    emit_pieces((text,))


def emit_pieces(pieces) -> None:
    """`emit` for a complete report given as pieces of text, in order."""
    with writing_stdout():
        for piece in pieces:
            echo(piece, nl=False)
        sys.stdout.flush()


def emit_stream(pieces: list[str]) -> None:
    """Write a hardened stream, known to be right as a whole, piece after piece (as bytes: the
    texts are the input's own, and a joined copy would double the memory a large stream needs)."""
    with writing_stdout():
        out = sys.stdout.buffer
        for piece in pieces:
            out.write(piece.encode("utf-8"))
        out.flush()


@contextlib.contextmanager
def writing_stdout():
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise OutputError("cannot write to stdout: it is closed")
    try:
        yield
    except OSError as error:  # a full disk, a reader that went away (EPIPE), a bad descriptor
        _discard_stdout()
        raise OutputError(f"cannot write to stdout: {error.strerror or type(error).__name__}") from None


def _discard_stdout() -> None:
    """Point stdout at the null device after a failed write, so that the interpreter's last flush
    of what is still buffered cannot fail again and print a second, garbled error."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except Exception:  # a replaced stream without a descriptor
        return False


class _Utf8Writer:
    """Text written as UTF-8 to a stream whose own encoding is ASCII (PYTHONIOENCODING=ascii, an
    old locale), where it could not hold a name in another script; as click does."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> None:
        self._stream.flush()
        self._stream.buffer.write(text.encode("utf-8", "replace"))
        self._stream.buffer.flush()


def _text_writer(stream):
    try:
        ascii_only = codecs.lookup(stream.encoding or sys.getdefaultencoding()).name == "ascii"
    except (LookupError, AttributeError):
        return stream
    return _Utf8Writer(stream) if ascii_only and hasattr(stream, "buffer") else stream
