"""The options of the commands, declared once: `cli` declares them to click from this table, and
`quick_args` reads the usual command lines of the commands started most often (a post-renderer
on every install, a check in every CI job) from it without loading click, which alone takes
about as long to load as Python takes to start.

It loads nothing but the names of the report formats and of the deploy targets.
"""

from __future__ import annotations

import os

from helm_harden.deploy_target import DEPLOY_TARGETS
from helm_harden.records import record
from helm_harden.report import FORMATTERS


@record(frozen=True)
class Option:
    """One option. ``takes_value`` False is a flag (True when given). A value is checked as click's
    types check it: one of ``choices``, an integer of at least ``min``, or a ``path`` to a FILE or
    a FOLDER (not the other kind, and readable, if it exists)."""

    flags: tuple[str, ...]
    dest: str
    help: str
    takes_value: bool = True
    choices: tuple[str, ...] | None = None
    min: int | None = None
    path: str | None = None
    multiple: bool = False
    default: object = None
    show_default: bool | str = False
    envvar: str | None = None
    metavar: str | None = None


@record(frozen=True)
class CommandLine:
    """A command's parameters: ``arguments`` are its positional ones in order, those in ``paths``
    file paths; with ``rest`` the last takes every argument left, and options it does not know are
    passed into it (check's helm template flags) instead of being errors."""

    name: str
    arguments: tuple[str, ...]
    options: tuple[Option, ...]
    rest: bool = False
    paths: tuple[str, ...] = ()  # arguments that are FILE paths


FILE, FOLDER = "file", "folder"
FAIL_ON_CHOICES = ("info", "warning", "error", "never")
REPORT_FORMATS = tuple(sorted(FORMATTERS))
CPU_COUNT = os.cpu_count() or 1

CONFIG_HELP = "Config file (default: $HELM_HARDEN_CONFIG, else .helm-harden.yaml in the current directory or above)."
CONFIG = Option(("--config",), "config_path", CONFIG_HELP, path=FILE)
KUBE_VERSION = Option(("--kube-version",), "kube_version", "Target Kubernetes version; also passed to helm template.")
NAMESPACE = Option(("-n", "--namespace"), "namespace", "Release namespace; also passed to helm template.")

CHECK = CommandLine("check", ("target", "extra"), rest=True, options=(
    Option(("--format",), "formats", "Report format (default text). Repeat with --output to write several reports in one run.",
           choices=REPORT_FORMATS, multiple=True),
    Option(("--output",), "outputs", "Write the report of the --format given before it to this file instead of stdout.",
           path=FILE, multiple=True),
    Option(("--fail-on",), "fail_on", "Exit 1 when a finding has at least this severity.",
           choices=FAIL_ON_CHOICES, default="warning", show_default=True),
    CONFIG,
    KUBE_VERSION,
    NAMESPACE,
    Option(("--diff",), "show_diff", "Show what post-render would change in the rendered output, as a unified diff per changed document.",
           takes_value=False),
    Option(("-j", "--jobs"), "jobs", "Charts rendered in parallel when TARGET holds many charts.",
           min=1, default=CPU_COUNT, show_default="CPU count"),
    Option(("--baseline",), "baseline_path", "Fail only on findings not recorded in this baseline.", path=FILE),
    Option(("--write-baseline",), "write_baseline_path", "Record the current findings as a baseline.", path=FILE),
    Option(("--pss",), "pss_level", "Run the pss-LEVEL profile instead of the default one: judge pods as the Pod Security "
           "admission controller of --kube-version would.", choices=("baseline", "restricted")),
    Option(("--hints",), "hints", "Say for each finding which values key controls it and the value that fixes it "
           "(one chart; about 6 more helm renders).", takes_value=False),
    Option(("--shard",), "shard", "Scan one part of a repository's charts, I of N (e.g. 2/4), for a CI matrix of N jobs."),
    Option(("--changed-since",), "changed_since", "Scan only the charts git diff shows changed since REF, and the charts "
           "using them through file:// dependencies.", metavar="REF"),
    Option(("--exclude",), "excludes", "Leave out the repository's charts whose path (below TARGET) or name matches; repeatable.",
           multiple=True, metavar="PATTERN"),
    Option(("--deploy-with",), "deploy_with", "What deploys the rendered objects, which decides what post-render is given: "
           "helm3 never sends it hooks, helm4 and kustomize do (default: deploy_with from the config, else helm3; "
           "kustomize for a kustomization).", choices=DEPLOY_TARGETS),
))

# What every post-rendering entry point shares (post-render, kustomize-transformer).
POST_RENDER_OPTIONS = (
    Option(("--kube-version",), "kube_version", "Target Kubernetes version (changes a few fixes).", envvar="HELM_HARDEN_KUBE_VERSION"),
    Option(("-n", "--namespace"), "namespace", "Namespace of objects that name none, for exemptions (default: $HELM_NAMESPACE).",
           envvar="HELM_NAMESPACE"),
    Option(("--report",), "report_path", "Also write the summary to this file (Helm 4 never shows a post-renderer's stderr).",
           path=FILE, envvar="HELM_HARDEN_REPORT"),
    Option(("--fail-on",), "fail_on", "Refuse the stream when a finding left unfixed has at least this severity.",
           choices=FAIL_ON_CHOICES, default="never", show_default=True),
    Option(("-q", "--quiet"), "quiet", "No summary on stderr.", takes_value=False),
)

POST_RENDER = CommandLine("post-render", (), (CONFIG, *POST_RENDER_OPTIONS))
KUSTOMIZE_TRANSFORMER = CommandLine("kustomize-transformer", ("config_file",), POST_RENDER_OPTIONS, paths=("config_file",))
KRM_FUNCTION = CommandLine("krm-function", (), (
    Option(("-q", "--quiet"), "quiet", "Accepted for symmetry; a KRM function reports through results.", takes_value=False),
))

FIX = CommandLine("fix", ("target", "extra"), rest=True, options=(
    Option(("--format",), "formats", "values (default): the values overlay; flux: a HelmRelease fragment with the overlay and "
           "patches for what values cannot reach; kustomize: a Kustomize Component with those patches. Repeat with --output.",
           choices=("values", "flux", "kustomize"), multiple=True),
    Option(("--output",), "outputs", "Write the output of the --format given before it to this file (default: stdout).",
           path=FILE, multiple=True),
    Option(("--output-dir",), "output_dir", "For a directory of charts: write each chart's files into this folder, under the "
           "chart's path (default: next to each chart).", path=FOLDER),
    CONFIG,
    KUBE_VERSION,
    NAMESPACE,
    Option(("--override-user-values",), "override_user_values", "Also change keys your own -f files set (--set always wins in helm).",
           takes_value=False),
    Option(("-j", "--jobs"), "jobs", "helm renders run in parallel.", min=1, default=CPU_COUNT, show_default="CPU count"),
))

QUICK_COMMANDS = {command.name: command for command in (CHECK, POST_RENDER, KUSTOMIZE_TRANSFORMER, KRM_FUNCTION)}


def report_option_order(args: list[str]) -> list[str]:
    """In which order --format and --output were given: an --output belongs to the --format before
    it, which the per-option lists of values cannot tell."""
    return [name for arg in args for name in ("--format", "--output") if arg == name or arg.startswith(name + "=")]
