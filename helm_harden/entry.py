"""The console script: the usual command lines of the commands started most often run without
loading click.

Loading click alone takes about as long as starting Python, and Helm starts a post-renderer on
every install, a CI job a check on every chart: ``--version``, and check, post-render and the
Kustomize plugins given in the plain forms `quick_args` reads, go straight to `commands`.
Everything else (help, a mistake, the other commands) goes to `helm_harden.cli`, click's
reading of the same option table, which decides and words every error.
"""

from __future__ import annotations

import gc
import os
import sys


def main():
    args = sys.argv[1:]
    if args == ["--version"]:
        from helm_harden import VERSION_MESSAGE, __version__

        sys.stdout.write(VERSION_MESSAGE % {"prog": "helm-harden", "package": "helm-harden", "version": __version__} + "\n")
        return 0
    # Loading the command line (PyYAML, the rule contract, click) allocates many objects that all
    # stay in use: the collector's passes during it find next to nothing and cost about 5% of it.
    gc.disable()
    try:
        run = _quick_command(args)
        if run is None:
            from helm_harden.cli import main as command_line
    finally:
        gc.enable()
    return run() if run is not None else command_line()


def _quick_command(args: list[str]):
    """The command ``args`` name, ready to run, when `quick_args` can read them; else None."""
    from helm_harden.options import QUICK_COMMANDS, report_option_order

    command_line = QUICK_COMMANDS.get(args[0]) if args else None
    if command_line is None:
        return None
    from helm_harden.quick_args import parse

    params = parse(command_line, args[1:])
    if params is None:
        return None
    from helm_harden import commands

    if "formats" in params:  # check: which --output belongs to which --format
        params["report_options"] = report_option_order(args[1:])
    run = getattr(commands, command_line.name.replace("-", "_"))
    return lambda: _interruptible(lambda: run(**params, command_path=f"{_program_name()} {command_line.name}"))


def _interruptible(run) -> int:
    """A Ctrl-C outside a command's own guard ends it as click's reading would: one line, 130."""
    try:
        return run()
    except (KeyboardInterrupt, EOFError):
        from helm_harden.console import echo

        echo(err=True)
        echo("helm-harden: error: aborted", err=True)
        return 130


def _program_name() -> str:
    """How the program was started, as click names it in its hints: the script's name, or
    ``python -m helm_harden``."""
    package = getattr(sys.modules["__main__"], "__package__", None)
    if not package:
        return os.path.basename(sys.argv[0])
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"
