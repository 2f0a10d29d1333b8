"""The command lines read without click (`quick_args`) are read exactly as click reads them.

For every command line the quick reader accepts, click's own parser (the real one, through the
commands `cli` declares from the same option table) gives the same parameters; whatever click
refuses, the quick reader leaves to click. The usual forms are read quickly, not left to click.
"""

import os
from unittest import mock

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helm_harden import options
from helm_harden.cli import main
from helm_harden.quick_args import parse


def click_params(command: options.CommandLine, args: list[str]):
    """The parameters click gives ``command`` for ``args``, or None where click refuses them
    (an error, or help, which it prints instead of running the command)."""
    try:
        with main.make_context("helm-harden", [command.name]) as parent:  # its -h, like the real run's
            with main.commands[command.name].make_context(command.name, list(args), parent=parent) as context:
                return context.params
    except (click.ClickException, click.exceptions.Exit):
        return None


# Tokens of the forms people write, and of the ones the quick reader must leave to click.
VALUES = ["./chart", "-", ".", "missing.yaml", "never", "warning", "bogus", "json", "text", "sarif", "3", "0",
          " 2", "x", "", "restricted", "helm4", "a=b", "--fail-on", "-n", "--help", "--"]
UNKNOWN = ["-f", "--set", "--set=a=b", "--include-crds", "-fn", "-fx", "-f=x.yaml", "-nj", "-h", "-j4", "-n=x",
           "--diff=x", "--namespace=", "--fail-on=never", "--format=json", "--output=r.json", "--jobs=2", "---x",
           "--version", "-", "--", "-q", "-qn"]


def command_lines(command: options.CommandLine):
    flags = [flag for option in command.options for flag in option.flags]
    token = st.sampled_from(flags + VALUES + UNKNOWN)
    return st.lists(token, max_size=8)


ENVIRONMENTS = [{}, {"HELM_NAMESPACE": "team", "HELM_HARDEN_KUBE_VERSION": "1.30", "HELM_HARDEN_REPORT": "r.txt"},
                {"HELM_NAMESPACE": "", "HELM_HARDEN_REPORT": "."}]


@pytest.mark.parametrize("command", list(options.QUICK_COMMANDS.values()), ids=list(options.QUICK_COMMANDS))
@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=["no-variables", "variables", "empty-and-folder"])
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_what_the_quick_reader_reads_click_reads_the_same(command, environment, data, tmp_path_factory):
    args = data.draw(command_lines(command))
    folder = tmp_path_factory.getbasetemp()
    with mock.patch.dict(os.environ, environment), _working_directory(folder):
        quick = parse(command, args)
        if quick is not None:
            assert quick == click_params(command, args), args


@pytest.mark.parametrize("command, args, expected", [
    (options.CHECK, ["./chart", "-f", "values.yaml", "--set", "a=b", "--fail-on", "never", "--format=json", "-n", "team"],
     {"target": "./chart", "extra": ("-f", "values.yaml", "--set", "a=b"), "fail_on": "never", "formats": ("json",),
      "namespace": "team"}),
    (options.CHECK, ["-", "--output", "report.txt", "-j", "2", "--diff", "--", "--fail-on"],
     {"target": "-", "extra": ("--fail-on",), "outputs": ("report.txt",), "jobs": 2, "show_diff": True}),
    (options.POST_RENDER, ["--report", "summary.txt", "-q", "--kube-version", "1.29"],
     {"report_path": "summary.txt", "quiet": True, "kube_version": "1.29"}),
    (options.KUSTOMIZE_TRANSFORMER, ["transformer.yaml", "-n", "apps"], {"config_file": "transformer.yaml", "namespace": "apps"}),
    (options.KRM_FUNCTION, [], {}),
])
def test_the_usual_command_lines_are_read_without_click(command, args, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for variable in ("HELM_NAMESPACE", "HELM_HARDEN_KUBE_VERSION", "HELM_HARDEN_REPORT"):
        monkeypatch.delenv(variable, raising=False)
    defaults = {option.dest: (() if option.multiple else False if not option.takes_value else option.default)
                for option in command.options}
    assert parse(command, args) == {**defaults, **expected}
    assert parse(command, args) == click_params(command, args)


@pytest.mark.parametrize("args", [
    [], ["--help"], ["./chart", "-h"], ["./chart", "--fail-on", "bogus"], ["./chart", "--fail-on"],
    ["./chart", "-fn", "x"], ["./chart", "--diff=yes"], ["./chart", "--jobs", "0"], ["./chart", "--output", "."],
])
def test_what_click_must_decide_is_left_to_click(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse(options.CHECK, args) is None


def test_a_shell_asking_for_completions_is_left_to_click(monkeypatch):
    monkeypatch.setenv("_HELM_HARDEN_COMPLETE", "bash_complete")
    assert parse(options.POST_RENDER, []) is None


class _working_directory:
    def __init__(self, folder):
        self.folder = folder

    def __enter__(self):
        self.previous = os.getcwd()
        os.chdir(self.folder)

    def __exit__(self, *_):
        os.chdir(self.previous)
