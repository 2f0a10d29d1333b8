"""The command line: the only module that reads argv, prints, and picks exit codes.

Exit codes: 0 no finding at or above --fail-on; 1 there is one; 2 bad usage, config or input;
3 helm or kustomize missing or failed; 4 internal error.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from helm_harden import VERSION_MESSAGE, __version__
from helm_harden.deploy_target import DEPLOY_TARGETS, deploy_target
from helm_harden.kube_version import parse_kube_version
from helm_harden.errors import (
    EXIT_FINDINGS, EXIT_INTERNAL, EXIT_TOOL, EXIT_USAGE, HardenError, InputError, InternalError, OutputError, ToolError,
)
from helm_harden.files import write_whole
from helm_harden.inputs import describe, is_chart_repository_root, kubernetes_objects, load_streams, read_stdin, read_stdin_pieces
from helm_harden.manifest import parse_documents
from helm_harden.report import FORMATTERS, RULE_FORMATTERS, report_pieces
from helm_harden.report.labels import visible
from helm_harden.report.summary import Counts, plural

if TYPE_CHECKING:
    from helm_harden.config import Config
    from helm_harden.engine import Engine
    from helm_harden.findings import ScanResult

# Each command imports what only it uses (the config and its rules, the engine, the report
# formats, the repository scan) when it runs: every import counts in the start-up time of a
# post-renderer that Helm starts on every install, and of a small check.

FAIL_ON_CHOICES = ["info", "warning", "error", "never"]
_CONFIG_HELP = "Config file (default: $HELM_HARDEN_CONFIG, else .helm-harden.yaml in the current directory or above)."


class _OneLineErrors(click.Group):
    """click's own errors (an unknown option, a missing argument, a bad choice) as one line on
    stderr, like every other error, instead of click's four lines of usage, hint and message."""

    def main(self, *args, standalone_mode: bool = True, **extra):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **extra)
        try:
            code = super().main(*args, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:  # no command at all: the help is the answer
            error.show()
            sys.exit(error.exit_code)
        except click.ClickException as error:
            context = getattr(error, "ctx", None)
            hint = f" (see: {context.command_path} --help)" if context is not None else ""
            message = " ".join(error.format_message().split())
            click.echo(f"helm-harden: error: {message}{hint}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("helm-harden: error: aborted", err=True)
            sys.exit(130)
        sys.exit(code or 0)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="helm-harden", message=VERSION_MESSAGE)
def main() -> None:
    """Check and harden the securityContext of Kubernetes workloads rendered by Helm or Kustomize."""


class _CheckCommand(click.Command):
    """Remembers in which order --format and --output were given: an --output belongs to the
    --format before it, which click's per-option value lists cannot tell."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["report_options"] = [
            name for arg in args for name in ("--format", "--output") if arg == name or arg.startswith(name + "=")
        ]
        return super().parse_args(ctx, args)


@main.command(cls=_CheckCommand, context_settings={"ignore_unknown_options": True})
@click.argument("target")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
@click.option("--format", "formats", type=click.Choice(sorted(FORMATTERS)), multiple=True,
              help="Report format (default text). Repeat with --output to write several reports in one run.")
@click.option("--output", "outputs", type=click.Path(dir_okay=False), multiple=True,
              help="Write the report of the --format given before it to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="warning", show_default=True,
              help="Exit 1 when a finding has at least this severity.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=_CONFIG_HELP)
@click.option("--kube-version", help="Target Kubernetes version; also passed to helm template.")
@click.option("-n", "--namespace", help="Release namespace; also passed to helm template.")
@click.option("--diff", "show_diff", is_flag=True, help="Show what post-render would change in the rendered output, as a unified diff per changed document.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="CPU count",
              help="Charts rendered in parallel when TARGET holds many charts.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), help="Fail only on findings not recorded in this baseline.")
@click.option("--write-baseline", "write_baseline_path", type=click.Path(dir_okay=False), help="Record the current findings as a baseline.")
@click.option("--pss", "pss_level", type=click.Choice(["baseline", "restricted"]),
              help="Run the pss-LEVEL profile instead of the default one: judge pods as the Pod Security admission controller of --kube-version would.")
@click.option("--hints", is_flag=True,
              help="Say for each finding which values key controls it and the value that fixes it (one chart; about 6 more helm renders).")
@click.option("--shard", help="Scan one part of a repository's charts, I of N (e.g. 2/4), for a CI matrix of N jobs.")
@click.option("--changed-since", metavar="REF",
              help="Scan only the charts git diff shows changed since REF, and the charts using them through file:// dependencies.")
@click.option("--exclude", "excludes", multiple=True, metavar="PATTERN",
              help="Leave out the repository's charts whose path (below TARGET) or name matches; repeatable.")
@click.option("--deploy-with", type=click.Choice(DEPLOY_TARGETS),
              help="What deploys the rendered objects, which decides what post-render is given: helm3 never sends it "
                   "hooks, helm4 and kustomize do (default: deploy_with from the config, else helm3; kustomize for a kustomization).")
def check(target, extra, formats, outputs, fail_on, config_path, kube_version, namespace, show_diff, jobs,
          baseline_path, write_baseline_path, pss_level, hints, shard, changed_since, excludes, deploy_with):
    """Render TARGET and report what is unsafe in its workloads.

    TARGET is a chart directory or .tgz (or a chart reference helm resolves), a directory
    holding many charts, a kustomization directory, YAML files or directories of them, or - for
    stdin. Arguments after a chart go to helm template unchanged (-f, --set, --api-versions,
    --include-crds, a release name, --dependency-update, …); after a kustomization, to
    kustomize build. The charts of a repository (also one whose root is a chart) are rendered
    with each of their ci/*-values.yaml files, or with their defaults when they have none
    (chart-testing's way).
    """
    def run() -> int:
        if target.startswith("-") and target != "-":
            raise click.UsageError("give the chart, kustomization, file or '-' first, then helm flags")
        if show_diff:
            _refuse_with_diff(pss=pss_level, format=formats, output=outputs, baseline=baseline_path,
                              write_baseline=write_baseline_path)
        reports = _report_targets(formats, outputs, click.get_current_context().meta["report_options"])
        config = _check_config(config_path, target)
        baseline = None
        if baseline_path:
            from helm_harden.baseline import Baseline  # json and hashlib load only for baselines

            baseline = Baseline.read(baseline_path)
        deployed_with = deploy_target(deploy_with, config.deploy_with, describe(target))
        helm_args, engine = _helm_args_and_engine(config, kube_version, namespace, pss_level, baseline, deployed_with)
        repository = describe(target) == "repository"
        if repository and (show_diff or pss_level):
            raise click.UsageError(f"--{'diff' if show_diff else 'pss'} checks one chart, kustomization or stream at a time")
        if hints and (describe(target) != "chart" or show_diff or pss_level):
            raise click.UsageError("--hints works on one chart (a directory or packaged chart), without --diff or --pss")
        if show_diff:
            return _check_diff(engine, _documents(target, extra, helm_args), fail_on)
        selecting = shard or changed_since or excludes
        if repository or (is_chart_repository_root(target) and not pss_level):
            from helm_harden.repository import find_charts, scan_repository
            from helm_harden.selection import Shard, select_charts

            part = Shard.parse(shard) if shard else None
            charts = select_charts(find_charts(target), target, exclude=config.exclude + excludes,
                                   changed_since=changed_since, shard=part)
            result = scan_repository(target, engine, list(extra) + helm_args, jobs, _progress_reporter(), charts)
            result.shard = str(part) if part else None
        elif selecting:
            raise click.UsageError("--shard, --changed-since and --exclude choose among the charts of a repository")
        elif hints:
            # fix's machinery finds the keys for whatever post-render would fill, hooks too: values reach them
            result = _scan_with_hints(target, extra, helm_args, engine, _engine(config, kube_version, namespace), jobs)
        else:
            result = engine.scan(target, _documents(target, extra, helm_args),
                                 findings=_streamed_findings(reports, keep=bool(baseline or write_baseline_path)))
        result.deploy_with = deployed_with
        if baseline:
            result.baseline = baseline.compare(result.findings)
        if write_baseline_path:  # what rendered; a chart that failed is not blocked, nor in it
            from helm_harden.baseline import write_baseline

            write_baseline(write_baseline_path, result.findings)
        _write_reports(result, reports)
        if result.failures:
            if write_baseline_path:
                click.echo(f"helm-harden: warning: the baseline {write_baseline_path} records what rendered; "
                           f"{plural(len(result.failures), 'render')} failed and {'is' if len(result.failures) == 1 else 'are'}"
                           " not in it", err=True)
            return EXIT_TOOL
        counts = Counts(result.findings) if isinstance(result.findings, list) else result.findings.counts  # streamed
        return EXIT_FINDINGS if counts.fail(fail_on) else 0

    sys.exit(_guarded(run))


def _refuse_with_diff(**given) -> None:
    """--diff prints a diff and nothing else: options that would shape another output are refused."""
    for option, value in given.items():
        if value:
            raise click.UsageError(f"--diff cannot be combined with --{option.replace('_', '-')}")


def _helm_args_and_engine(config, kube_version: str | None, namespace: str | None,
                          pss_level: str | None = None, baseline=None,
                          deploy_with: str | None = None) -> tuple[list[str], Engine]:
    """The flags check and fix add to helm template's, and the engine for that target."""
    helm_args = []
    if kube_version or config.kube_version:
        helm_args += ["--kube-version", kube_version or config.kube_version]
    if namespace:
        helm_args += ["--namespace", namespace]
    return helm_args, _engine(config, kube_version, namespace, pss_level, baseline, deploy_with=deploy_with)


def _engine(config, kube_version: str | None, namespace: str | None, pss_level: str | None = None,
            baseline=None, release: bool = True, deploy_with: str | None = None) -> Engine:
    """The engine of every mode: the one place that decides the Kubernetes version (the flag, else
    the config's) and the namespace of objects that name none: the flag, else Helm's
    $HELM_NAMESPACE, else, for a ``release`` that check renders itself, ``default`` (where helm
    install would put it). A post-renderer or Kustomize function is told no release namespace,
    and guessing one would apply or skip exemptions by chance: it stays unknown (None). ``deploy_with``:
    what deploys the objects check judges; None (post-render, fix) means whatever post-render is given."""
    from helm_harden.engine import Engine

    namespace = namespace or os.environ.get("HELM_NAMESPACE") or ("default" if release else None)
    return Engine(config, _kube_version(kube_version or config.kube_version), namespace,
                  pss_level=pss_level, baseline=baseline, deploy_with=deploy_with)


def _resolve_config(config_path: str | None) -> Config:
    from helm_harden.config import resolve_config

    return resolve_config(config_path)


def _check_config(config_path: str | None, target: str) -> Config:
    from helm_harden.config import unused_config_near

    config = _resolve_config(config_path)
    unused = unused_config_near(target, config_path, config)
    if unused:
        click.echo(f"helm-harden: warning: {unused} is not used: the config comes from the current directory or above "
                   f"it ({config.path or 'none there: the defaults'}); give --config {unused} to use it", err=True)
    return config


def _documents(target: str, extra, helm_args: list[str]):
    """The documents of the target's streams, parsed one at a time."""
    return kubernetes_objects(target, _streams(target, extra, helm_args))


def _streams(target: str, extra, helm_args: list[str]):
    """The target rendered or read; helm's warnings go to stderr."""
    streams = load_streams(target, list(extra), helm_args)
    for stream in streams:
        if stream.warnings:
            sys.stderr.write(stream.warnings if stream.warnings.endswith("\n") else stream.warnings + "\n")
    return streams


def _scan_with_hints(target: str, extra, helm_args: list[str], engine: Engine, fixing: Engine, jobs: int) -> ScanResult:
    """One chart's scan, each finding with the values key that controls it (probing renders more,
    with ``fixing``, the engine of `fix`)."""
    from helm_harden.values_hints import add_hints  # probing loads only when asked for

    [stream] = _streams(target, extra, helm_args)
    result = engine.scan(target, kubernetes_objects(target, [stream]))
    add_hints(result, target, list(extra) + helm_args, fixing, stream.text, jobs)
    return result


def _streamed_findings(reports: list[tuple[str, str | None]], keep: bool):
    """Where a single scan puts its findings: when every report is JSON, into its writer as they
    come (a large scan's findings are not kept), else (or to ``keep`` them for a baseline) into a
    list for the reports to read."""
    if not keep and all(name == "json" for name, _ in reports):
        from helm_harden.report.json_report import JsonFindings

        return JsonFindings()
    return None


def _write_reports(result: ScanResult, reports: list[tuple[str, str | None]]) -> None:
    """Prepare every report first, so that a failure writes none of them (a large JSON report's
    findings wait in a temporary file, `JsonFindings`, and are copied out last)."""
    prepared = [(report_pieces(name, result), path) for name, path in reports]
    for pieces, path in prepared:
        if path:
            write_whole(path, map(click.unstyle, pieces), "report")
        else:
            _emit_pieces(pieces)


def _check_diff(engine: Engine, documents, fail_on: str) -> int:
    from helm_harden.report.changes import format_diff

    results = [(document, engine.harden(document)) for document in documents]
    engine.settle([hardened for _, hardened in results])
    _emit(format_diff(results))
    findings = [f for _, hardened in results for f in hardened.fixed + hardened.remaining]
    return EXIT_FINDINGS if Counts(findings).fail(fail_on) else 0


def _report_targets(formats: tuple[str, ...], outputs: tuple[str, ...], order: list[str]) -> list[tuple[str, str | None]]:
    """Pair each --output with the --format given just before it; formats without one go to stdout."""
    formats = formats or ("text",)
    paths: list[str | None] = [None] * len(formats)
    format_index, output_index = -1, 0
    for option in order:
        if option == "--format":
            format_index += 1
            continue
        if format_index < 0 and not (len(formats) == 1 and output_index == 0):
            raise click.UsageError("give --output after the --format it is for")
        index = max(format_index, 0)
        if paths[index] is not None:
            raise click.UsageError(f"two --output files for --format {formats[index]}")
        paths[index] = outputs[output_index]
        output_index += 1
    pairs = list(zip(formats, paths))
    if sum(1 for _, path in pairs if path is None) > 1:
        raise click.UsageError("only one report can go to stdout: give the others an --output file")
    return pairs


def _progress_reporter():
    """A one-line progress display for multi-chart runs, on a terminal's stderr only."""
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int, job) -> None:
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r\033[K[{done}/{total}] {job.label}{end}")
        sys.stderr.flush()

    return report


_REPORT_HELP = "Also write the summary to this file (Helm 4 never shows a post-renderer's stderr)."


def _post_render_options(command):
    """The options every post-rendering entry point shares."""
    options = [
        click.option("--kube-version", envvar="HELM_HARDEN_KUBE_VERSION", help="Target Kubernetes version (changes a few fixes)."),
        click.option("-n", "--namespace", envvar="HELM_NAMESPACE",
                     help="Namespace of objects that name none, for exemptions (default: $HELM_NAMESPACE)."),
        click.option("--report", "report_path", envvar="HELM_HARDEN_REPORT", type=click.Path(dir_okay=False), help=_REPORT_HELP),
        click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="never", show_default=True,
                     help="Refuse the stream when a finding left unfixed has at least this severity."),
        click.option("-q", "--quiet", is_flag=True, help="No summary on stderr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


FIX_FORMATS = ["values", "flux", "kustomize"]


@main.command("fix", cls=_CheckCommand, context_settings={"ignore_unknown_options": True})
@click.argument("target")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
@click.option("--format", "formats", type=click.Choice(FIX_FORMATS), multiple=True,
              help="values (default): the values overlay; flux: a HelmRelease fragment with the overlay and patches "
                   "for what values cannot reach; kustomize: a Kustomize Component with those patches. Repeat with --output.")
@click.option("--output", "outputs", type=click.Path(dir_okay=False), multiple=True,
              help="Write the output of the --format given before it to this file (default: stdout).")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="For a directory of charts: write each chart's files into this folder, under the chart's path (default: next to each chart).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=_CONFIG_HELP)
@click.option("--kube-version", help="Target Kubernetes version; also passed to helm template.")
@click.option("-n", "--namespace", help="Release namespace; also passed to helm template.")
@click.option("--override-user-values", is_flag=True, help="Also change keys your own -f files set (--set always wins in helm).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="CPU count",
              help="helm renders run in parallel.")
def fix(target, extra, formats, outputs, output_dir, config_path, kube_version, namespace, override_user_values, jobs):
    """Write a values overlay that makes a chart render with the settings post-render would fill.

    TARGET is a chart directory or packaged .tgz, or a directory of charts (one overlay per chart,
    see --output-dir). Arguments after it go to helm template unchanged (-f, --set, a release
    name, …). The overlay is verified before it is written: helm renders the chart with it, and
    only keys that remove findings and add none are kept. A summary on stderr says, finding by
    finding, whether values fix it, a patch would, or it needs a change by hand.
    """
    def run() -> int:
        from helm_harden.remedy import FIX_FILES, fix_one_chart, fix_output, verdicts  # probing loads only for fix
        from helm_harden.report.fix_summary import format_fix_summary
        from helm_harden.repository import find_charts

        if target.startswith("-"):
            raise click.UsageError("give the chart first, then helm flags")
        helm_args, engine = _helm_args_and_engine(_check_config(config_path, target), kube_version, namespace)
        helm_args = list(extra) + helm_args
        if describe(target) == "repository":
            if outputs:
                raise click.UsageError("a directory of charts gets one file per chart: use --output-dir, not --output")
            charts = [(chart, [(name, str(_fix_file(target, chart, output_dir, FIX_FILES[name]))) for name in formats or ("values",)])
                      for chart in find_charts(target)]
        else:
            charts = [(target, _report_targets(formats or ("values",), outputs, click.get_current_context().meta["report_options"]))]
        failed = 0
        for chart, destinations in charts:
            try:
                outcome = fix_one_chart(chart, helm_args, engine, override_user_values, jobs)
            except ToolError as error:
                if len(charts) == 1:
                    raise
                click.echo(f"helm-harden: error: {error}", err=True)
                failed += 1
                continue
            texts = [(fix_output(name, outcome, chart), path) for name, path in destinations]  # all, before writing any
            for text, path in texts:
                if path:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                    write_whole(path, text, "fix output")
                else:
                    _emit(text)
            click.echo(format_fix_summary(chart, verdicts(outcome), outcome.renders, outcome.notes,
                                          [path for _, path in destinations if path]), err=True, nl=False)
        return EXIT_TOOL if failed else 0

    sys.exit(_guarded(run))


def _fix_file(root: str, chart: str, output_dir: str | None, name: str) -> Path:
    """Where a chart's fix output goes in a multi-chart run: next to it, or mirrored under output_dir."""
    return (Path(output_dir) / Path(chart).relative_to(root) if output_dir else Path(chart)) / name


@main.command("post-render")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help=_CONFIG_HELP)
@_post_render_options
def post_render(config_path, **options):
    """Harden a YAML stream: read it on stdin, write it to stdout with missing settings filled in.

    Documents that need no fix come out byte for byte; nothing is dropped or reordered. Use it
    as Helm 3's --post-renderer, Helm 4's postrenderer plugin, or in any pipeline.
    """
    sys.exit(_guarded(lambda: _post_render(lambda: _resolve_config(config_path), **options)))


@main.command("kustomize-transformer")
@click.argument("config_file", type=click.Path(dir_okay=False))
@_post_render_options
def kustomize_transformer(config_file, **options):
    """Kustomize legacy exec transformer: CONFIG_FILE is the HardenTransformer object Kustomize passes."""
    def load():
        from helm_harden.config import load_config

        return load_config(config_file, envelope=True)

    sys.exit(_guarded(lambda: _post_render(load, **options)))


@main.command("krm-function")
@click.option("-q", "--quiet", is_flag=True, help="Accepted for symmetry; a KRM function reports through results.")
def krm_function(quiet):
    """Kustomize KRM exec function: a ResourceList on stdin, hardened, with results, on stdout."""
    def run() -> int:
        from helm_harden.kustomize import run_krm_function

        _emit(run_krm_function(read_stdin(), lambda config: _engine(config, None, None, release=False)))
        return 0

    sys.exit(_guarded(run))


def _post_render(load, kube_version, namespace, report_path, fail_on, quiet) -> int:
    """Harden stdin to stdout. Helm 4 never shows a post-renderer's stderr, and Helm 3 only when
    it fails, so the report gets the summary and, when the stream is refused, the reason."""
    try:
        results, output = _harden_stream(load, kube_version, namespace)
    except HardenError as error:
        if report_path and not isinstance(error, OutputError):
            write_whole(report_path, f"helm-harden: error: {error}\n", "report")
        raise
    from helm_harden.report.changes import format_post_render_summary

    summary = format_post_render_summary(results)
    refused = Counts(f for hardened in results for f in hardened.remaining).fail(fail_on)
    refusal = f"helm-harden: error: findings at or above {fail_on} remain; refusing the stream\n" if refused else ""
    if report_path:
        write_whole(report_path, click.unstyle(summary) + refusal, "report")
    if not quiet:
        click.echo(summary, err=True, nl=False)
    if refused:
        click.echo(refusal, err=True, nl=False)
        return EXIT_FINDINGS
    _emit_stream(output)
    return 0


def _harden_stream(load, kube_version, namespace):
    """The hardened documents of stdin and the output stream. Without --namespace or
    $HELM_NAMESPACE the release namespace is unknown (None): Helm tells a post-renderer none."""
    engine = _engine(load(), kube_version, namespace, release=False)
    # Only the hardened texts are kept (a document nobody changes is its input text, unchanged),
    # and nothing is written before the whole stream has been read and hardened.
    results, input_has_content = [], False
    for document in parse_documents(read_stdin_pieces(), "<stdin>"):
        input_has_content = input_has_content or not document.text.isspace()
        results.append(engine.harden(document))
    engine.settle(results)
    output = [hardened.text for hardened in results]
    if input_has_content and all(not text.strip() for text in output):
        raise InternalError("the hardened stream is empty although the input was not; refusing")
    return results, output


@main.command()
@click.option("--format", "output_format", type=click.Choice(sorted(RULE_FORMATTERS)), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Show severities and options from this config.")
def rules(output_format, config_path):
    """List every rule: ID, severity, fix and what it checks."""
    sys.exit(_guarded(lambda: _emit(RULE_FORMATTERS[output_format](_resolve_config(config_path))) or 0))


@main.command()
def version():
    """Print helm-harden's version."""
    click.echo(f"helm-harden {__version__}")


@main.command("post-renderer-path")
@click.option("--helm4-plugin", is_flag=True, help="Print the folder of the Helm 4 postrenderer plugin, for helm plugin install.")
def post_renderer_path(helm4_plugin):
    """Print the installed plugin's post-renderer, for Helm 3's --post-renderer: its folder is
    named after whatever it was installed from."""
    def run() -> int:
        plugin_dir = os.environ.get("HELM_PLUGIN_DIR")
        path = os.path.join(plugin_dir, *(("helm4", "harden-postrender") if helm4_plugin else ("scripts", "post-render"))) if plugin_dir else ""
        if not path or not os.path.exists(path):
            raise InputError("not running as the harden Helm plugin (run: helm harden post-renderer-path); "
                             "without the plugin, give Helm --post-renderer helm-harden --post-renderer-args post-render")
        click.echo(path)
        return 0

    sys.exit(_guarded(run))


def _kube_version(text):
    try:
        return parse_kube_version(text)
    except ValueError as error:
        raise InputError(str(error)) from None


def _emit(text: str) -> None:
    """Write a complete report to stdout at once; failing to write all of it is an error,
    never a silent exit 0 (Helm would take a lost stream for an empty one and apply it)."""
    _emit_pieces((text,))


def _emit_pieces(pieces) -> None:
    """`_emit` for a complete report given as pieces of text, in order."""
    with _writing_stdout():
        for piece in pieces:
            click.echo(piece, nl=False)
        sys.stdout.flush()


def _emit_stream(pieces: list[str]) -> None:
    """Write a hardened stream, known to be right as a whole, piece after piece (as bytes: the
    texts are the input's own, and a joined copy would double the memory a large stream needs)."""
    with _writing_stdout():
        out = sys.stdout.buffer
        for piece in pieces:
            out.write(piece.encode("utf-8"))
        out.flush()


@contextlib.contextmanager
def _writing_stdout():
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


def _guarded(run) -> int:
    """Run a command, turning every failure into one line on stderr and its exit code."""
    try:
        return run()
    except ToolError as error:
        if error.stderr:
            sys.stderr.write(error.stderr if error.stderr.endswith("\n") else error.stderr + "\n")
        click.echo(f"helm-harden: error: {error}", err=True)
        return error.exit_code
    except HardenError as error:
        click.echo(f"helm-harden: error: {visible(str(error))}", err=True)  # names in it may hold line breaks
        return error.exit_code
    except click.UsageError:
        raise
    except OSError as error:  # the environment, not a bug: a device, a permission, a descriptor
        where = f"{error.filename}: " if error.filename else ""
        click.echo(f"helm-harden: error: {where}{error.strerror or type(error).__name__}", err=True)
        return EXIT_USAGE
    except RecursionError:  # what exhausts the stack is nesting in the input, not a bug to trace
        click.echo("helm-harden: error: the input is nested too deeply to process", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: one line, and the traceback only when asked for
        if os.environ.get("HELM_HARDEN_DEBUG") or os.environ.get("HELM_DEBUG") == "true":
            import traceback

            traceback.print_exc()
        click.echo(f"helm-harden: internal error: {type(error).__name__} (set HELM_HARDEN_DEBUG=1 or use helm --debug for details)", err=True)
        return EXIT_INTERNAL
