"""The command line as click reads it: every command, its options (declared once, in `options`),
its help, and click's errors as one line. What the commands do is in `commands`; the usual
command lines of check and post-render are read without click (`entry`, `quick_args`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from helm_harden import VERSION_MESSAGE, __version__, commands, options
from helm_harden.commands import check_config, emit, guarded, helm_args_and_engine, report_targets, resolve_config
from helm_harden.console import echo
from helm_harden.errors import EXIT_TOOL, InputError, ToolError, UsageError
from helm_harden.files import write_whole
from helm_harden.inputs import describe
from helm_harden.report import RULE_FORMATTERS


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


def _declared(*declarations: options.Option):
    """click's options for these declarations, in their order."""
    def declare(command):
        for option in reversed(declarations):
            if not option.takes_value:
                kind = {"is_flag": True}
            elif option.choices is not None:
                kind = {"type": click.Choice(option.choices)}
            elif option.min is not None:
                kind = {"type": click.IntRange(min=option.min)}
            elif option.path:
                kind = {"type": click.Path(dir_okay=option.path == options.FOLDER, file_okay=option.path == options.FILE)}
            else:
                kind = {}
            extra = {name: value for name, value in (("default", option.default), ("envvar", option.envvar), ("metavar", option.metavar))
                     if value is not None}
            command = click.option(*option.flags, option.dest, help=option.help, multiple=option.multiple,
                                   show_default=option.show_default, **kind, **extra)(command)
        return command

    return declare


def _arguments(command_line: options.CommandLine):
    """click's arguments for a command's positional parameters."""
    def declare(command):
        for index, name in reversed(list(enumerate(command_line.arguments))):
            if command_line.rest and index == len(command_line.arguments) - 1:
                command = click.argument(name, nargs=-1, type=click.UNPROCESSED)(command)
            else:
                command = click.argument(name, type=click.Path(dir_okay=False) if name in command_line.paths else None)(command)
        return command

    return declare


def _command(command_line: options.CommandLine, **settings):
    """A command of ``main`` with the parameters of ``command_line``."""
    def declare(function):
        if command_line.rest:
            settings.setdefault("context_settings", {"ignore_unknown_options": True})
        return main.command(command_line.name, **settings)(_arguments(command_line)(_declared(*command_line.options)(function)))

    return declare


def _command_path() -> str:
    return click.get_current_context().command_path


def _report_options() -> list[str]:
    return click.get_current_context().meta["report_options"]


class _CheckCommand(click.Command):
    """Remembers in which order --format and --output were given (`options.report_option_order`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["report_options"] = options.report_option_order(args)
        return super().parse_args(ctx, args)


@_command(options.CHECK, cls=_CheckCommand)
def check(**params):
    """Render TARGET and report what is unsafe in its workloads.

    TARGET is a chart directory or .tgz (or a chart reference helm resolves), a directory
    holding many charts, a kustomization directory, YAML files or directories of them, or - for
    stdin. Arguments after a chart go to helm template unchanged (-f, --set, --api-versions,
    --include-crds, a release name, --dependency-update, …); after a kustomization, to
    kustomize build. The charts of a repository (also one whose root is a chart) are rendered
    with each of their ci/*-values.yaml files, or with their defaults when they have none
    (chart-testing's way).
    """
    sys.exit(commands.check(**params, report_options=_report_options(), command_path=_command_path()))


@_command(options.FIX, cls=_CheckCommand)
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
            raise UsageError("give the chart first, then helm flags")
        helm_args, engine = helm_args_and_engine(check_config(config_path, target), kube_version, namespace)
        helm_args = list(extra) + helm_args
        if describe(target) == "repository":
            if outputs:
                raise UsageError("a directory of charts gets one file per chart: use --output-dir, not --output")
            charts = [(chart, [(name, str(_fix_file(target, chart, output_dir, FIX_FILES[name]))) for name in formats or ("values",)])
                      for chart in find_charts(target)]
        else:
            charts = [(target, report_targets(formats or ("values",), outputs, _report_options()))]
        failed = 0
        for chart, destinations in charts:
            try:
                outcome = fix_one_chart(chart, helm_args, engine, override_user_values, jobs)
            except ToolError as error:
                if len(charts) == 1:
                    raise
                echo(f"helm-harden: error: {error}", err=True)
                failed += 1
                continue
            texts = [(fix_output(name, outcome, chart), path) for name, path in destinations]  # all, before writing any
            for text, path in texts:
                if path:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                    write_whole(path, text, "fix output")
                else:
                    emit(text)
            echo(format_fix_summary(chart, verdicts(outcome), outcome.renders, outcome.notes,
                                    [path for _, path in destinations if path]), err=True, nl=False)
        return EXIT_TOOL if failed else 0

    sys.exit(guarded(run, _command_path()))


def _fix_file(root: str, chart: str, output_dir: str | None, name: str) -> Path:
    """Where a chart's fix output goes in a multi-chart run: next to it, or mirrored under output_dir."""
    return (Path(output_dir) / Path(chart).relative_to(root) if output_dir else Path(chart)) / name


@_command(options.POST_RENDER)
def post_render(**params):
    """Harden a YAML stream: read it on stdin, write it to stdout with missing settings filled in.

    Documents that need no fix come out byte for byte; nothing is dropped or reordered. Use it
    as Helm 3's --post-renderer, Helm 4's postrenderer plugin, or in any pipeline.
    """
    sys.exit(commands.post_render(**params, command_path=_command_path()))


@_command(options.KUSTOMIZE_TRANSFORMER)
def kustomize_transformer(**params):
    """Kustomize legacy exec transformer: CONFIG_FILE is the HardenTransformer object Kustomize passes."""
    sys.exit(commands.kustomize_transformer(**params, command_path=_command_path()))


@_command(options.KRM_FUNCTION)
def krm_function(**params):
    """Kustomize KRM exec function: a ResourceList on stdin, hardened, with results, on stdout."""
    sys.exit(commands.krm_function(**params, command_path=_command_path()))


@main.command()
@click.option("--format", "output_format", type=click.Choice(sorted(RULE_FORMATTERS)), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Show severities and options from this config.")
def rules(output_format, config_path):
    """List every rule: ID, severity, fix and what it checks."""
    sys.exit(guarded(lambda: emit(RULE_FORMATTERS[output_format](resolve_config(config_path))) or 0, _command_path()))


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
        echo(path)
        return 0

    sys.exit(guarded(run, _command_path()))
