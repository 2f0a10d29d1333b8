"""The console script: ``helm-harden --version`` is answered before the command line is loaded.

Loading click alone takes longer than starting Python; the version is all some callers ask for
(a plugin manager, a CI step that logs it). Everything else goes to `helm_harden.cli`, the one
definition of the command line.
"""

from __future__ import annotations

import gc
import sys


def main():
    if sys.argv[1:] == ["--version"]:
        from helm_harden import VERSION_MESSAGE, __version__

        sys.stdout.write(VERSION_MESSAGE % {"prog": "helm-harden", "package": "helm-harden", "version": __version__} + "\n")
        return 0
    # Loading the command line (click, PyYAML, the rule contract) allocates many objects that all
    # stay in use: the collector's passes during it find next to nothing and cost about 5% of it.
    gc.disable()
    try:
        from helm_harden.cli import main as command_line
    finally:
        gc.enable()
    return command_line()
