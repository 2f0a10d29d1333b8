"""What check and the post-rendering commands do once their command line is read: the only code
that prints and picks exit codes. Both readers of the command line call these: click's (`cli`)
and the one of the usual forms that loads no click (`entry`, `quick_args`).

Exit codes: 0 no finding at or above --fail-on; 1 there is one; 2 bad usage, config or input;
3 helm or kustomize missing or failed; 4 internal error.
"""

from __future__ import annotations

import os
import sys

from helm_harden.console import echo, emit, emit_pieces, emit_stream, unstyle
from helm_harden.deploy_target import deploy_target
from helm_harden.errors import (
    EXIT_FINDINGS, EXIT_INTERNAL, EXIT_TOOL, EXIT_USAGE, HardenError, InputError, InternalError, OutputError, ToolError,
    UsageError,
)
from helm_harden.files import write_whole
from helm_harden.inputs import describe, is_chart_repository_root, kubernetes_objects, load_streams, read_stdin, read_stdin_pieces
from helm_harden.kube_version import parse_kube_version
from helm_harden.manifest import parse_documents
from helm_harden.report import report_pieces
from helm_harden.report.labels import visible
from helm_harden.report.summary import Counts, plural

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from helm_harden.config import Config
    from helm_harden.engine import Engine
    from helm_harden.findings import ScanResult

# Each command imports what only it uses (the config and its rules, the engine, the report
# formats, the repository scan) when it runs: every import counts in the start-up time of a
# post-renderer that Helm starts on every install, and of a small check.


def check(target, extra, formats, outputs, fail_on, config_path, kube_version, namespace, show_diff, jobs,
          baseline_path, write_baseline_path, pss_level, hints, shard, changed_since, excludes, deploy_with,
          *, report_options: list[str], command_path: str) -> int:
    """Render TARGET and report what is unsafe in its workloads (`cli.check` says how)."""
    def run() -> int:
        if target.startswith("-") and target != "-":
            raise UsageError("give the chart, kustomization, file or '-' first, then helm flags")
        if show_diff:
            _refuse_with_diff(pss=pss_level, format=formats, output=outputs, baseline=baseline_path,
                              write_baseline=write_baseline_path)
        reports = report_targets(formats, outputs, report_options)
        config = check_config(config_path, target)
        baseline = None
        if baseline_path:
            from helm_harden.baseline import Baseline  # json and hashlib load only for baselines

            baseline = Baseline.read(baseline_path)
        deployed_with = deploy_target(deploy_with, config.deploy_with, describe(target))
        helm_args, engine = helm_args_and_engine(config, kube_version, namespace, pss_level, baseline, deployed_with)
        repository = describe(target) == "repository"
        if repository and (show_diff or pss_level):
            raise UsageError(f"--{'diff' if show_diff else 'pss'} checks one chart, kustomization or stream at a time")
        if hints and (describe(target) != "chart" or show_diff or pss_level):
            raise UsageError("--hints works on one chart (a directory or packaged chart), without --diff or --pss")
        if show_diff:
            return _check_diff(engine, _documents(target, extra, helm_args, engine), fail_on)
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
            raise UsageError("--shard, --changed-since and --exclude choose among the charts of a repository")
        elif hints:
            # fix's machinery finds the keys for whatever post-render would fill, hooks too: values reach them
            result = _scan_with_hints(target, extra, helm_args, engine, engine_for(config, kube_version, namespace), jobs)
        else:
            result = engine.scan(target, _documents(target, extra, helm_args, engine),
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
                echo(f"helm-harden: warning: the baseline {write_baseline_path} records what rendered; "
                     f"{plural(len(result.failures), 'render')} failed and {'is' if len(result.failures) == 1 else 'are'}"
                     " not in it", err=True)
            return EXIT_TOOL
        counts = Counts(result.findings) if isinstance(result.findings, list) else result.findings.counts  # streamed
        return EXIT_FINDINGS if counts.fail(fail_on) else 0

    return guarded(run, command_path)


def post_render(config_path, kube_version, namespace, report_path, fail_on, quiet, *, command_path: str) -> int:
    """Harden the YAML stream on stdin to stdout (`cli.post_render` says how)."""
    return guarded(lambda: _post_render(lambda: resolve_config(config_path), kube_version, namespace,
                                        report_path, fail_on, quiet), command_path)


def kustomize_transformer(config_file, kube_version, namespace, report_path, fail_on, quiet, *, command_path: str) -> int:
    """Kustomize's legacy exec transformer: ``config_file`` is the HardenTransformer object it passes."""
    def load():
        from helm_harden.config import load_config

        return load_config(config_file, envelope=True)

    return guarded(lambda: _post_render(load, kube_version, namespace, report_path, fail_on, quiet), command_path)


def krm_function(quiet, *, command_path: str) -> int:
    """Kustomize's KRM exec function: a ResourceList on stdin, hardened, with results, on stdout."""
    def run() -> int:
        from helm_harden.kustomize import run_krm_function

        emit(run_krm_function(read_stdin(), lambda config: engine_for(config, None, None, release=False)))
        return 0

    return guarded(run, command_path)


def _refuse_with_diff(**given) -> None:
    """--diff prints a diff and nothing else: options that would shape another output are refused."""
    for option, value in given.items():
        if value:
            raise UsageError(f"--diff cannot be combined with --{option.replace('_', '-')}")


def helm_args_and_engine(config, kube_version: str | None, namespace: str | None,
                         pss_level: str | None = None, baseline=None,
                         deploy_with: str | None = None) -> tuple[list[str], Engine]:
    """The flags check and fix add to helm template's, and the engine for that target."""
    helm_args = []
    if kube_version or config.kube_version:
        helm_args += ["--kube-version", kube_version or config.kube_version]
    if namespace:
        helm_args += ["--namespace", namespace]
    return helm_args, engine_for(config, kube_version, namespace, pss_level, baseline, deploy_with=deploy_with)


def engine_for(config, kube_version: str | None, namespace: str | None, pss_level: str | None = None,
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


def resolve_config(config_path: str | None) -> Config:
    from helm_harden.config import resolve_config

    return resolve_config(config_path)


def check_config(config_path: str | None, target: str) -> Config:
    """The config of a check or fix of ``target``, warning of a config beside it that is not used."""
    from helm_harden.config import unused_config_near

    config = resolve_config(config_path)
    unused = unused_config_near(target, config_path, config)
    if unused:
        echo(f"helm-harden: warning: {unused} is not used: the config comes from the current directory or above "
             f"it ({config.path or 'none there: the defaults'}); give --config {unused} to use it", err=True)
    return config


def _documents(target: str, extra, helm_args: list[str], engine: Engine):
    """The documents of the target's streams, parsed one at a time, as ``engine`` reads them."""
    return kubernetes_objects(target, _streams(target, extra, helm_args), engine.reads_object)


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
    result = engine.scan(target, kubernetes_objects(target, [stream], engine.reads_object))
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
            write_whole(path, map(unstyle, pieces), "report")
        else:
            emit_pieces(pieces)


def _check_diff(engine: Engine, documents, fail_on: str) -> int:
    from helm_harden.report.changes import format_diff

    results = [(document, engine.harden(document)) for document in documents]
    engine.settle([hardened for _, hardened in results])
    emit(format_diff(results))
    findings = [f for _, hardened in results for f in hardened.fixed + hardened.remaining]
    return EXIT_FINDINGS if Counts(findings).fail(fail_on) else 0


def report_targets(formats: tuple[str, ...], outputs: tuple[str, ...], order: list[str]) -> list[tuple[str, str | None]]:
    """Pair each --output with the --format given just before it; formats without one go to stdout."""
    formats = formats or ("text",)
    paths: list[str | None] = [None] * len(formats)
    format_index, output_index = -1, 0
    for option in order:
        if option == "--format":
            format_index += 1
            continue
        if format_index < 0 and not (len(formats) == 1 and output_index == 0):
            raise UsageError("give --output after the --format it is for")
        index = max(format_index, 0)
        if paths[index] is not None:
            raise UsageError(f"two --output files for --format {formats[index]}")
        paths[index] = outputs[output_index]
        output_index += 1
    pairs = list(zip(formats, paths))
    if sum(1 for _, path in pairs if path is None) > 1:
        raise UsageError("only one report can go to stdout: give the others an --output file")
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


def _post_render(load, kube_version, namespace, report_path, fail_on, quiet) -> int:
    """Harden stdin to stdout. Helm 4 never shows a post-renderer's stderr, and Helm 3 only when
    it fails, so the report gets the summary and, when the stream is refused, the reason."""
    try:
        results, output = _harden_stream(load, kube_version, namespace)
    except HardenError as error:
        if report_path and not isinstance(error, OutputError):
            write_whole(report_path, f"helm-harden: error: {error}\n", "report")
        raise
    refused = Counts(f for hardened in results for f in hardened.remaining).fail(fail_on)
    refusal = f"helm-harden: error: findings at or above {fail_on} remain; refusing the stream\n" if refused else ""
    if report_path or not quiet:  # a summary nobody reads is not made: a large stream's is long
        from helm_harden.report.changes import format_post_render_summary

        summary = format_post_render_summary(results)
        if report_path:
            write_whole(report_path, unstyle(summary) + refusal, "report")
        if not quiet:
            echo(summary, err=True, nl=False)
    if refused:
        echo(refusal, err=True, nl=False)
        return EXIT_FINDINGS
    emit_stream(output)
    return 0


def _harden_stream(load, kube_version, namespace):
    """The hardened documents of stdin and the output stream. Without --namespace or
    $HELM_NAMESPACE the release namespace is unknown (None): Helm tells a post-renderer none."""
    engine = engine_for(load(), kube_version, namespace, release=False)
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


def _kube_version(text):
    try:
        return parse_kube_version(text)
    except ValueError as error:
        raise InputError(str(error)) from None


def guarded(run, command_path: str) -> int:
    """Run a command, turning every failure into one line on stderr and its exit code; a usage
    error points at the help of ``command_path`` (``helm-harden check``), as click's own do."""
    try:
        return run()
    except UsageError as error:
        echo(f"helm-harden: error: {' '.join(str(error).split())} (see: {command_path} --help)", err=True)
        return error.exit_code
    except ToolError as error:
        if error.stderr:
            sys.stderr.write(error.stderr if error.stderr.endswith("\n") else error.stderr + "\n")
        echo(f"helm-harden: error: {error}", err=True)
        return error.exit_code
    except HardenError as error:
        echo(f"helm-harden: error: {visible(str(error))}", err=True)  # names in it may hold line breaks
        return error.exit_code
    except OSError as error:  # the environment, not a bug: a device, a permission, a descriptor
        where = f"{error.filename}: " if error.filename else ""
        echo(f"helm-harden: error: {where}{error.strerror or type(error).__name__}", err=True)
        return EXIT_USAGE
    except RecursionError:  # what exhausts the stack is nesting in the input, not a bug to trace
        echo("helm-harden: error: the input is nested too deeply to process", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: one line, and the traceback only when asked for
        if os.environ.get("HELM_HARDEN_DEBUG") or os.environ.get("HELM_DEBUG") == "true":
            import traceback

            traceback.print_exc()
        echo(f"helm-harden: internal error: {type(error).__name__} (set HELM_HARDEN_DEBUG=1 or use helm --debug for details)", err=True)
        return EXIT_INTERNAL
