"""The command lines of `options.QUICK_COMMANDS` read without click, exactly as click reads them.

Only the plain forms are read here: ``--option value``, ``--option=value``, ``-n value``, flags,
arguments, ``--``, and (for check) options it does not know, which go to helm template. Anything
else — help, a mistake, a cluster of short options holding one of the command's own, completion
— is left to click (`parse` returns None), so that every error and every odd form is decided,
and worded, by click alone. tests/test_quick_args.py holds the two readings to each other.
"""

from __future__ import annotations

import os
import stat

from helm_harden.options import FILE, CommandLine, Option

_HELP = ("-h", "--help")
_REFUSED = object()  # a value click's type refuses: click must read the command line and say so


def parse(command: CommandLine, args: list[str]) -> dict | None:
    """The parameters click would call ``command`` with, or None when click must read ``args``."""
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return None  # a shell asking click for completions
    by_flag = {flag: option for option in command.options for flag in option.flags}
    shorts = {flag[1] for flag in (*by_flag, "-h") if len(flag) == 2}
    given: dict[str, list[str]] = {}
    positional: list[str] = []
    pending = list(args)
    while pending:
        arg = pending.pop(0)
        if arg == "--":
            positional += pending
            break
        if arg in _HELP:
            return None
        if len(arg) < 2 or arg[0] != "-":
            positional.append(arg)
            continue
        long = arg.startswith("--")
        name, equals, value = arg.partition("=") if long else (arg, "", "")
        option = by_flag.get(name)
        if option is None:
            # click passes an unknown option on only when rest takes it; a cluster of short
            # options is split by click, which may find one of ours inside it
            if not command.rest or name in _HELP or (not long and shorts & set(arg[1:])):
                return None
            positional.append(arg)
        elif not option.takes_value:
            if equals:
                return None  # click: "does not take a value"
            given.setdefault(option.dest, []).append("")
        elif equals:
            given.setdefault(option.dest, []).append(value)
        elif pending:
            given.setdefault(option.dest, []).append(pending.pop(0))
        else:
            return None  # click: "requires an argument"
    params = _arguments(command, positional)
    if params is None:
        return None
    for option in command.options:
        value = _value(option, given.get(option.dest))
        if value is _REFUSED:
            return None
        params[option.dest] = value
    return params


def _arguments(command: CommandLine, positional: list[str]) -> dict | None:
    """The positional parameters, or None where click would refuse them (missing or extra)."""
    required = command.arguments[:-1] if command.rest else command.arguments
    if len(positional) < len(required) or (not command.rest and len(positional) > len(required)):
        return None
    params = dict(zip(required, positional))
    if any(_path(FILE, params[name]) is _REFUSED for name in command.paths):
        return None
    if command.rest:
        params[command.arguments[-1]] = tuple(positional[len(required):])
    return params


def _value(option: Option, given: list[str] | None):
    """An option's value as click gives it: from the command line (the last one, or all of a
    ``multiple`` one), else its non-empty environment variable, else its default; _REFUSED where
    click's type would refuse it."""
    if not option.takes_value:
        return given is not None
    if given is None:
        from_environment = os.environ.get(option.envvar) if option.envvar else None
        if not from_environment:
            return () if option.multiple else option.default
        given = [from_environment]
    values = [_converted(option, text) for text in given]
    if _REFUSED in values:
        return _REFUSED
    return tuple(values) if option.multiple else values[-1]


def _converted(option: Option, text: str):
    if option.choices is not None:
        return text if text in option.choices else _REFUSED
    if option.min is not None:
        try:
            number = int(text)
        except ValueError:
            return _REFUSED
        return number if number >= option.min else _REFUSED
    if option.path:
        return _path(option.path, text)
    return text


def _path(kind: str, text: str):
    """A path as click.Path checks it: one that does not exist (yet) passes; one that exists must
    be of ``kind`` (a FILE, not a folder, or the other way round) and readable."""
    try:
        mode = os.stat(text).st_mode
    except OSError:
        return text
    other_kind = stat.S_ISDIR(mode) if kind == FILE else stat.S_ISREG(mode)
    return _REFUSED if other_kind or not os.access(text, os.R_OK) else text
