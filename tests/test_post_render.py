"""Post-render with the real helm: ``helm template CHART --post-renderer … post-render``.

Every chart under charts-under-test/ (webapp also with each of its ci/ values files) is rendered
twice, plainly and through the post-renderer, and the two streams are compared document by
document. Small charts written to tmp cover what the charts under test do not: explicit
choices that must survive, tricky scalars, Secrets, opt-in fix sets and failures.

Helm 3 never sends hooks to a post-renderer: `helm template` prints them after the
post-rendered manifests, unchanged. The tests assert that as Helm's behaviour.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from helm_harden.cli import main

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
CHARTS = REPO / "charts-under-test"
BIN = Path(sys.executable).parent
HELM = BIN / "helm"
HARDEN = BIN / "helm-harden"
POST_RENDER = ["--post-renderer", str(HARDEN), "--post-renderer-args", "post-render"]


def chart_cases():
    """Every chart, and every chart with each of its ci/*-values.yaml files."""
    for chart in sorted(CHARTS.iterdir()):
        if not (chart / "Chart.yaml").is_file():
            continue
        yield pytest.param(chart.name, (), id=chart.name)
        for values in sorted((chart / "ci").glob("*-values.yaml")):
            yield pytest.param(chart.name, ("-f", str(values)), id=f"{chart.name}-{values.stem}")


CHART_CASES = list(chart_cases())

# The templates whose documents post-render changes, per case (hooks never reach it).
CHANGED_TEMPLATES = {
    "hardened": [],
    "insecure": ["insecure/templates/replicationcontroller.yaml", "insecure/templates/replicaset.yaml"],
    "webapp": ["webapp/templates/deployment.yaml"],
    "webapp-default-values": ["webapp/templates/deployment.yaml"],
    "webapp-hardened-values": [],
    "webapp-insecure-values": [],  # its one container is privileged: no seccomp or drop fill changes that
}


def test_every_chart_case_has_an_expectation():
    assert sorted(p.id for p in CHART_CASES) == sorted(CHANGED_TEMPLATES)


# --- running helm and helm-harden ---------------------------------------------------------


@pytest.fixture(scope="module")
def env(isolated_env) -> dict[str, str]:
    return isolated_env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Where commands run: no .helm-harden.yaml above it."""
    return tmp_path_factory.mktemp("cwd")


def run(args, env, cwd, stdin: str | None = None, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**env, **(extra_env or {})},
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="module")
def helm(env, workdir):
    def helm_(*args, extra_env=None) -> subprocess.CompletedProcess:
        return run([HELM, *args], env, workdir, extra_env=extra_env)

    return helm_


@pytest.fixture(scope="module")
def harden_process(env, workdir):
    """The helm-harden command in its own process."""

    def harden_(*args, stdin: str = "", extra_env=None) -> subprocess.CompletedProcess:
        return run([HARDEN, *args], env, workdir, stdin=stdin, extra_env=extra_env)

    return harden_


@pytest.fixture(scope="module")
def harden(env):
    """The same command line run in this process (no interpreter start-up per call)."""
    overrides = {"HELM_BIN": str(HELM), "HELM_HARDEN_CONFIG": env["HELM_HARDEN_CONFIG"], "HELM_NAMESPACE": None,
                 "HELM_HARDEN_REPORT": None, "HELM_HARDEN_KUBE_VERSION": None, "HELM_DEBUG": None}

    def harden_(*args, stdin: str = "", extra_env=None) -> subprocess.CompletedProcess:
        result = CliRunner().invoke(main, [str(a) for a in args], input=stdin.encode("utf-8"), env={**overrides, **(extra_env or {})})
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)

    return harden_


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def renders(helm, tmp_path_factory):
    """``renders(chart, args)`` → (plain, post-rendered, what helm sent to the post-renderer)."""
    cache: dict = {}
    sent_dir = tmp_path_factory.mktemp("sent")

    def render(chart: str, args: tuple = ()):
        key = (chart, args)
        if key not in cache:
            plain = ok(helm("template", CHARTS / chart, *args))
            hardened = ok(helm("template", CHARTS / chart, *args, *POST_RENDER))
            # tee is a post-renderer that changes nothing and keeps a copy of its input.
            sent = sent_dir / f"{len(cache)}.yaml"
            teed = ok(helm("template", CHARTS / chart, *args, "--post-renderer", "tee", "--post-renderer-args", sent))
            assert teed == plain
            cache[key] = (plain, hardened, sent.read_text(encoding="utf-8"))
        return cache[key]

    return render


# --- reading streams ----------------------------------------------------------------------


def documents(stream: str) -> list[str]:
    """Helm's output, cut before each ``---`` line; the pieces add up to the stream."""
    pieces = [piece for piece in re.split(r"(?m)^(?=---\n)", stream) if piece]
    assert "".join(pieces) == stream
    return pieces


def source_of(document: str) -> str | None:
    match = re.search(r"(?m)^# Source: (.+)$", document)
    return match.group(1) if match else None


def load(document: str):
    return yaml.safe_load(document)


def identity(document: str):
    data = load(document)
    return data["kind"], data["metadata"]["name"]


def is_hook(document: str) -> bool:
    annotations = (load(document).get("metadata") or {}).get("annotations") or {}
    return "helm.sh/hook" in annotations


def by_source(stream: str, source: str) -> list[str]:
    return [d for d in documents(stream) if source_of(d) == source]


def findings(harden, stream: str, *args) -> list[dict]:
    result = harden("check", "-", "--format", "json", "--fail-on", "never", *args, stdin=stream)
    return json.loads(ok(result))["findings"]


def only_additions(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails if it removes or changes any."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [line for line in diff if line.startswith("- ")]
    assert removed == [], "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True)))
    return [line[2:] for line in diff if line.startswith("+ ")]


# --- every chart under test ---------------------------------------------------------------


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_every_document_comes_out_in_order(renders, chart, args):
    plain, hardened, _ = renders(chart, args)
    before, after = documents(plain), documents(hardened)
    assert [source_of(d) for d in after] == [source_of(d) for d in before]
    assert [identity(d) for d in after] == [identity(d) for d in before]
    assert all(source_of(d) for d in after)


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_documents_with_nothing_to_fix_are_byte_identical(renders, harden, request, chart, args):
    plain, hardened, _ = renders(chart, args)
    fixable = {f["document"] for f in findings(harden, plain) if f["fixable"]}
    changed = []
    for number, (before, after) in enumerate(zip(documents(plain), documents(hardened)), start=1):
        if number in fixable and not is_hook(before):
            assert after != before
            changed.append(source_of(before))
        else:
            assert after == before, source_of(before)
    assert changed == CHANGED_TEMPLATES[request.node.callspec.id]


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_helm_sends_everything_but_hooks_and_post_render_of_that_is_the_output(renders, harden, chart, args):
    plain, hardened, sent = renders(chart, args)
    hooks = [d for d in documents(plain) if is_hook(d)]
    assert sent + "".join(hooks) == plain
    assert ok(harden("post-render", "--quiet", stdin=sent)) + "".join(hooks) == hardened


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_no_fixable_finding_remains(renders, harden, chart, args):
    plain, hardened, sent = renders(chart, args)
    # Helm 3 never post-renders hooks, and check (deployed with helm3 by default) counts their
    # fills as not fixable: after Helm 3's post-render nothing fixable is left.
    assert [f for f in findings(harden, hardened) if f["fixable"]] == []
    # The whole stream, hooks too (as Helm 4 sends it), leaves nothing fixable under Helm 4 either.
    everything = ok(harden("post-render", "--quiet", stdin=plain))
    assert [f for f in findings(harden, everything, "--deploy-with", "helm4") if f["fixable"]] == []
    # And post-render leaves alone exactly what it reports as left for a human.
    assert sorted(
        (f["rule"], f["name"], f["container"] or "", f["path"]) for f in findings(harden, everything, "--deploy-with", "helm4")
    ) == sorted((f["rule"], f["name"], f["container"] or "", f["path"])
                for f in findings(harden, plain, "--deploy-with", "helm4") if not f["fixable"])


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_post_render_twice_equals_once(renders, harden, chart, args):
    _, hardened, sent = renders(chart, args)
    once = ok(harden("post-render", "--quiet", stdin=sent))
    assert ok(harden("post-render", "--quiet", stdin=once)) == once
    # The post-rendered helm output, hooks and all, is stable too, apart from the hooks.
    twice = ok(harden("post-render", "--quiet", stdin=hardened))
    for before, after in zip(documents(hardened), documents(twice)):
        if not is_hook(before):
            assert after == before


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_show_only_still_works_through_the_post_renderer(renders, helm, chart, args):
    _, hardened, _ = renders(chart, args)
    templates = sorted({source_of(d) for d in documents(hardened)})
    case = next(p.id for p in CHART_CASES if p.values == (chart, args))
    wanted = CHANGED_TEMPLATES[case] or templates[:1]
    for source in wanted:
        template = source.split("/", 1)[1]
        shown = ok(helm("template", CHARTS / chart, *args, "--show-only", template, *POST_RENDER))
        assert shown == "".join(by_source(hardened, source))
    # Several at once, in the order helm picks.
    if len(wanted) > 1:
        options = [x for source in wanted for x in ("--show-only", source.split("/", 1)[1])]
        shown = ok(helm("template", CHARTS / chart, *args, *options, *POST_RENDER))
        assert sorted(documents(shown)) == sorted(d for s in wanted for d in by_source(hardened, s))


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_scripts_post_render_inside_the_plugin_folder(renders, helm, plugin_folder, chart, args):
    _, hardened, _ = renders(chart, args)
    script = plugin_folder() / "scripts" / "post-render"
    assert ok(helm("template", CHARTS / chart, *args, "--post-renderer", script)) == hardened


def test_scripts_post_render_explains_a_missing_plugin_venv(helm, plugin_folder):
    plugin = plugin_folder(venv=False)
    result = helm("template", CHARTS / "insecure", "--post-renderer", plugin / "scripts" / "post-render")
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        f"helm-harden: the plugin's Python environment {plugin}/.plugin-venv is missing or broken "
        "(did its install hook fail?)"
    ) in result.stderr


# --- what exactly the insecure chart gets -------------------------------------------------


def test_insecure_chart_gets_exactly_the_default_fixes(renders):
    plain, hardened, _ = renders("insecure", ())
    rc_source = "insecure/templates/replicationcontroller.yaml"
    (rc_before,), (rc_after,) = by_source(plain, rc_source), by_source(hardened, rc_source)
    expected = load(rc_before)
    pod = expected["spec"]["template"]["spec"]
    pod["containers"][0]["securityContext"] = {"capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}
    pod["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert load(rc_after) == expected
    assert only_additions(rc_before, rc_after) == [
        "          securityContext:",
        "            capabilities:",
        "              drop:",
        "                - ALL",
        "            allowPrivilegeEscalation: false",
        "      securityContext:",
        "        runAsNonRoot: true",
        "        seccompProfile:",
        "          type: RuntimeDefault",
    ]

    rs_source = "insecure/templates/replicaset.yaml"
    (rs_before,), (rs_after,) = by_source(plain, rs_source), by_source(hardened, rs_source)
    expected = load(rs_before)
    # "all" is not ALL: ALL is appended, "all" kept. SYS_ADMIN is kept, and no
    # allowPrivilegeEscalation: false goes next to it (the API would reject the object).
    expected["spec"]["template"]["spec"]["initContainers"][0]["securityContext"]["capabilities"]["drop"] = ["all", "ALL"]
    assert load(rs_after) == expected
    assert load(rs_after)["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]},
    }


def test_explicit_choices_in_the_insecure_charts_pass_untouched(renders):
    plain, hardened, _ = renders("insecure", ())
    for template in ("daemonset", "deployment-root-user", "statefulset", "podtemplate", "pod"):
        source = f"insecure/templates/{template}.yaml"
        assert by_source(hardened, source) == by_source(plain, source)
    daemonset = load(by_source(hardened, "insecure/templates/daemonset.yaml")[0])
    assert daemonset["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "privileged": True,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def test_webapp_insecure_values_keep_every_explicit_choice(renders):
    plain, hardened, _ = renders("webapp", ("-f", str(CHARTS / "webapp/ci/insecure-values.yaml")))
    (before,), (after,) = (by_source(s, "webapp/templates/deployment.yaml") for s in (plain, hardened))
    expected = load(before)
    pod = expected["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"runAsUser": 0}
    assert pod["containers"][0]["securityContext"] == {
        "privileged": True,
        "allowPrivilegeEscalation": True,
        "appArmorProfile": {"type": "Unconfined"},
    }
    # Privileged, the container runs Unconfined with every capability whatever a fill would set,
    # so no seccomp profile and no drop: [ALL] is written (nor would its root user allow the drop).
    assert load(after) == expected


# --- charts written for these tests --------------------------------------------------------


def write_chart(root: Path, name: str, templates: dict[str, str], values: str = "", crds: dict | None = None) -> Path:
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "values.yaml").write_text(values, encoding="utf-8")
    for file, text in templates.items():
        (chart / "templates" / file).write_text(text, encoding="utf-8")
    for file, text in (crds or {}).items():
        (chart / "crds").mkdir(exist_ok=True)
        (chart / "crds" / file).write_text(text, encoding="utf-8")
    return chart


EXPLICIT_TEMPLATES = {
    "choices.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: explicit-choices
spec:
  selector:
    matchLabels:
      app: explicit
  template:
    metadata:
      labels:
        app: explicit
    spec:
      securityContext:
        seccompProfile:
          type: Unconfined
      containers:
        - name: privileged
          image: app:1.0
          securityContext:
            privileged: true
        - name: sys-admin
          image: app:1.0
          securityContext:
            capabilities:
              add:
                - SYS_ADMIN
                - NET_ADMIN
        - name: cap-sys-admin
          image: app:1.0
          securityContext:
            capabilities:
              drop:
                - NET_RAW
              add:
                - CAP_SYS_ADMIN
        - name: writable
          image: app:1.0
          securityContext:
            readOnlyRootFilesystem: false
            allowPrivilegeEscalation: true
            runAsNonRoot: false
""",
    "root.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: explicit-root
spec:
  containers:
    - name: root
      image: app:1.0
      securityContext:
        runAsUser: 0
        allowPrivilegeEscalation: false
        capabilities:
          drop:
            - ALL
""",
    "unconfined-container.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: explicit-unconfined-container
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: tracer
          image: app:1.0
          securityContext:
            seccompProfile:
              type: Unconfined
        - name: app
          image: app:1.0
""",
    "root-init.yaml": """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: root-init-container
spec:
  serviceName: root-init-container
  selector:
    matchLabels:
      app: root-init
  template:
    metadata:
      labels:
        app: root-init
    spec:
      initContainers:
        - name: chown
          image: busybox:1.37
          command: ["chown", "-R", "1000:1000", "/data"]
          securityContext:
            runAsUser: 0
      containers:
        - name: app
          image: app:1.0
""",
    "windows.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: windows-app
spec:
  selector:
    matchLabels:
      app: windows
  template:
    metadata:
      labels:
        app: windows
    spec:
      os:
        name: windows
      nodeSelector:
        kubernetes.io/os: windows
      containers:
        - name: iis
          image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
""",
}


@pytest.fixture(scope="module")
def explicit(helm, tmp_path_factory):
    chart = write_chart(tmp_path_factory.mktemp("charts"), "explicit", EXPLICIT_TEMPLATES)
    return ok(helm("template", chart)), ok(helm("template", chart, *POST_RENDER))


def test_fill_never_flip(explicit):
    plain, hardened = explicit
    (before,), (after,) = (by_source(s, "explicit/templates/choices.yaml") for s in (plain, hardened))
    expected = load(before)
    pod = expected["spec"]["template"]["spec"]
    pod["securityContext"]["runAsNonRoot"] = True  # Unconfined stays
    _privileged, sys_admin, cap_sys_admin, writable = pod["containers"]  # privileged: a drop would change nothing
    sys_admin["securityContext"]["capabilities"]["drop"] = ["ALL"]
    cap_sys_admin["securityContext"]["capabilities"]["drop"] = ["NET_RAW", "ALL"]
    writable["securityContext"]["capabilities"] = {"drop": ["ALL"]}
    assert load(after) == expected
    assert pod["containers"][1]["securityContext"]["capabilities"] == {"add": ["SYS_ADMIN", "NET_ADMIN"], "drop": ["ALL"]}
    only_additions(before, after)


def test_a_container_that_runs_as_root_alone_gets_no_run_as_non_root(explicit):
    plain, hardened = explicit
    (before,), (after,) = (by_source(s, "explicit/templates/root.yaml") for s in (plain, hardened))
    expected = load(before)
    expected["spec"]["securityContext"] = {"seccompProfile": {"type": "RuntimeDefault"}}
    assert load(after) == expected


def test_an_unconfined_container_keeps_its_own_profile(explicit):
    plain, hardened = explicit
    source = "explicit/templates/unconfined-container.yaml"
    (before,), (after,) = (by_source(s, source) for s in (plain, hardened))
    expected = load(before)
    pod = expected["spec"]["template"]["spec"]
    pod["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    for container in pod["containers"]:
        container.setdefault("securityContext", {}).update(
            {"capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}
        )
    assert load(after) == expected
    assert load(after)["spec"]["template"]["spec"]["containers"][0]["securityContext"]["seccompProfile"] == {
        "type": "Unconfined"
    }


def _effective(pod: dict, container: dict, key: str):
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod.get("securityContext") or {}).get(key)


def test_a_root_init_container_is_not_made_unstartable(explicit):
    """runAsNonRoot: true with an explicit runAsUser: 0 makes the kubelet refuse the container
    ("container's runAsUser breaks non-root policy"). The fix for the container that says
    nothing must not reach the one that explicitly runs as root."""
    plain, hardened = explicit
    (after,) = by_source(hardened, "explicit/templates/root-init.yaml")
    pod = load(after)["spec"]["template"]["spec"]
    chown, app = pod["initContainers"][0], pod["containers"][0]
    assert _effective(pod, chown, "runAsUser") == 0
    assert _effective(pod, chown, "runAsNonRoot") is not True
    assert _effective(pod, app, "runAsNonRoot") is True


# Fields the API server rejects in a pod with spec.os.name: windows (validateWindows).
WINDOWS_FORBIDDEN_POD = {"seccompProfile", "seLinuxOptions", "appArmorProfile", "runAsUser", "runAsGroup", "fsGroup"}
WINDOWS_FORBIDDEN_CONTAINER = {
    "seccompProfile", "seLinuxOptions", "appArmorProfile", "capabilities", "readOnlyRootFilesystem",
    "privileged", "allowPrivilegeEscalation", "procMount", "runAsUser", "runAsGroup",
}


def test_a_windows_pod_gets_no_field_the_api_forbids_there(explicit):
    """A pod with spec.os.name: windows may not set the Linux-only securityContext fields: a
    post-renderer that adds them turns an installable chart into one the API server rejects."""
    plain, hardened = explicit
    (after,) = by_source(hardened, "explicit/templates/windows.yaml")
    pod = load(after)["spec"]["template"]["spec"]
    assert set(pod.get("securityContext") or {}) & WINDOWS_FORBIDDEN_POD == set()
    assert set(pod["containers"][0].get("securityContext") or {}) & WINDOWS_FORBIDDEN_CONTAINER == set()


LONG = "x" * 120 + " " + "y" * 120
SCALAR_TEMPLATES = {
    "deployment.yaml": f"""\
# The web tier.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scalars  # keep this comment
  annotations:
    postrenderer.helm.sh/postrender-filename: scalars/templates/deployment.yaml
    zeta: "last key first"
    alpha: 'single quoted'
  labels:
    app: scalars
spec:
  replicas: 2
  selector:
    matchLabels:
      app: scalars
  template:
    metadata:
      labels:
        app: scalars
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          env:
            - name: A_ON
              value: "on"
            - name: A_YES
              value: "yes"
            - name: MODE
              value: "0644"
            - name: FLOAT
              value: "1e3"
            - name: DATE
              value: "2024-01-01"
            - name: BOOL
              value: "true"
            - name: TILDE
              value: "~"
            - name: LONG
              value: "{LONG}"
            - name: PLAIN_LONG
              value: {" ".join(["plain"] * 50)}
          command:
            - sh
            - -c
            - |
              echo "starting"
                indented: line
              exec web --port=8080
          args:
            - >-
              folded text
              that continues
            # a comment between items
            - "--flag=on"
          ports:
            - containerPort: 8080  # http
              protocol: TCP
          volumeMounts:
            - name: config
              mountPath: /etc/web
      volumes:
        - name: config
          configMap:
            name: scalars
            defaultMode: 0644
""",
    "configmap.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: scalars
data:
  on: "on"
  octal: "0644"
  script: |
    #!/bin/sh
    echo hi
  folded: >-
    one
    two
""",
    "secret.yaml": """\
apiVersion: v1
kind: Secret
metadata:
  name: scalars
type: Opaque
stringData:
  password: "s3cr3t-Pa55w0rd-value"
  token: |
    tok-EN-vAlUe-123
data:
  key: c2VjcmV0LWJhc2U2NC12YWx1ZQ==
""",
    "hook-job.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: scalars-migrate
  annotations:
    "helm.sh/hook": pre-install,pre-upgrade
    "helm.sh/hook-weight": "-5"
    "helm.sh/hook-delete-policy": before-hook-creation
    postrenderer.helm.sh/postrender-filename: scalars/templates/hook-job.yaml
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/web:1.0
""",
    "NOTES.txt": "Thank you for installing {{ .Chart.Name }}.\n",
}
CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
"""
SECRET_VALUES = ["s3cr3t-Pa55w0rd-value", "tok-EN-vAlUe-123", "c2VjcmV0LWJhc2U2NC12YWx1ZQ==", "secret-base64-value"]


@pytest.fixture(scope="module")
def scalars_chart(tmp_path_factory) -> Path:
    return write_chart(tmp_path_factory.mktemp("charts"), "scalars", SCALAR_TEMPLATES, crds={"widget.yaml": CRD})


def test_scalars_comments_and_key_order_survive_in_a_changed_document(helm, scalars_chart):
    plain = ok(helm("template", scalars_chart))
    hardened = ok(helm("template", scalars_chart, *POST_RENDER))
    (before,), (after,) = (by_source(s, "scalars/templates/deployment.yaml") for s in (plain, hardened))
    added = only_additions(before, after)
    assert added == [
        "          securityContext:",
        "            capabilities:",
        "              drop:",
        "                - ALL",
        "            allowPrivilegeEscalation: false",
        "      securityContext:",
        "        runAsNonRoot: true",
        "        seccompProfile:",
        "          type: RuntimeDefault",
    ]
    for line in (
        '              value: "on"',
        '              value: "yes"',
        '              value: "0644"',
        '              value: "1e3"',
        '              value: "2024-01-01"',
        '              value: "true"',
        '              value: "~"',
        f'              value: "{LONG}"',
        "            - |",
        "            - >-",
        "            # a comment between items",
        "  name: scalars  # keep this comment",
        "            defaultMode: 0644",
        "    postrenderer.helm.sh/postrender-filename: scalars/templates/deployment.yaml",
    ):
        assert line in after.splitlines()
    data = load(after)
    env = {e["name"]: e["value"] for e in data["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env == {
        "A_ON": "on", "A_YES": "yes", "MODE": "0644", "FLOAT": "1e3", "DATE": "2024-01-01", "BOOL": "true",
        "TILDE": "~", "LONG": LONG, "PLAIN_LONG": " ".join(["plain"] * 50),
    }
    assert data["spec"]["template"]["spec"]["containers"][0]["command"][2] == (
        'echo "starting"\n  indented: line\nexec web --port=8080\n'
    )
    assert data["spec"]["template"]["spec"]["containers"][0]["args"] == ["folded text that continues", "--flag=on"]
    assert list(data["metadata"]["annotations"]) == ["postrenderer.helm.sh/postrender-filename", "zeta", "alpha"]
    # Every other document, and the hook Helm keeps to itself, byte for byte.
    for other_before, other_after in zip(documents(plain), documents(hardened)):
        if source_of(other_before) != "scalars/templates/deployment.yaml":
            assert other_after == other_before


def test_hooks_keep_their_annotations_when_the_whole_stream_is_post_rendered(helm, harden, scalars_chart):
    plain = ok(helm("template", scalars_chart))
    hardened = ok(harden("post-render", "--quiet", stdin=plain))
    (before,), (after,) = (by_source(s, "scalars/templates/hook-job.yaml") for s in (plain, hardened))
    added = only_additions(before, after)
    assert added == [
        "          securityContext:",
        "            capabilities:",
        "              drop:",
        "                - ALL",
        "            allowPrivilegeEscalation: false",
        "      securityContext:",
        "        runAsNonRoot: true",
        "        seccompProfile:",
        "          type: RuntimeDefault",
    ]
    assert load(after)["metadata"]["annotations"] == {
        "helm.sh/hook": "pre-install,pre-upgrade",
        "helm.sh/hook-weight": "-5",
        "helm.sh/hook-delete-policy": "before-hook-creation",
        "postrenderer.helm.sh/postrender-filename": "scalars/templates/hook-job.yaml",
    }


def test_crds_pass_through_byte_identical(helm, scalars_chart):
    plain = ok(helm("template", scalars_chart, "--include-crds"))
    hardened = ok(helm("template", scalars_chart, "--include-crds", *POST_RENDER))
    (crd,) = by_source(hardened, "scalars/crds/widget.yaml")
    assert crd == by_source(plain, "scalars/crds/widget.yaml")[0]
    assert [source_of(d) for d in documents(hardened)] == [source_of(d) for d in documents(plain)]


def test_a_secret_passes_byte_identical_and_its_values_appear_nowhere_else(helm, harden, scalars_chart, tmp_path):
    plain = ok(helm("template", scalars_chart))
    report = tmp_path / "report.txt"
    hardened = ok(helm("template", scalars_chart, *POST_RENDER, f"--post-renderer-args=--report={report}"))
    assert by_source(hardened, "scalars/templates/secret.yaml") == by_source(plain, "scalars/templates/secret.yaml")
    direct = harden("post-render", stdin=plain)
    refused = harden("post-render", "--fail-on", "warning", stdin=plain)
    assert refused.returncode == 1
    for text in (direct.stderr, refused.stderr, refused.stdout, report.read_text(encoding="utf-8")):
        for secret in SECRET_VALUES:
            assert secret not in text


def test_an_application_tag_in_a_secret_passes_through_and_is_never_quoted(helm, harden_process, tmp_path):
    """An unquoted template value that starts with "!" reads as a YAML tag. Kubernetes' JSON has
    no tags, so the value is read as untagged; the document needs no fix and comes out byte for
    byte, and nothing on stderr repeats the Secret's value (Helm shows the stderr)."""
    chart = write_chart(
        tmp_path,
        "leaky",
        {"secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {{ .Values.password }}\n"},
        values='password: "!hunter2-Secret x"\n',
    )
    rendered = ok(helm("template", chart))
    assert "password: !hunter2-Secret x" in rendered
    through_helm = helm("template", chart, *POST_RENDER)
    assert (through_helm.returncode, through_helm.stdout) == (0, rendered)
    assert "hunter2" not in through_helm.stderr
    direct = harden_process("post-render", stdin=rendered)
    assert (direct.returncode, direct.stdout) == (0, rendered)
    assert "hunter2" not in direct.stderr


# --- opt-in fix sets through a config file ------------------------------------------------

OPT_IN_TEMPLATES = {
    "no-mounts.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: no-mounts
spec:
  selector:
    matchLabels: {app: a}
  template:
    metadata:
      labels: {app: a}
    spec:
      containers:
        - name: app
          image: app:1.0
          resources:
            requests:
              memory: 512Mi
        - name: sidecar
          image: sidecar:1.0
          resources:
            limits:
              cpu: "2"
              memory: 1Gi
      ephemeralContainers:
        - name: debug
          image: busybox:1.37
""",
    "tmp-mounted.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: tmp-mounted
spec:
  securityContext:
    runAsUser: 70
  containers:
    - name: app
      image: app:1.0
      securityContext:
        runAsGroup: 71
      resources:
        requests:
          cpu: 250m
          memory: 64Mi
        limits:
          memory: 64Mi
      volumeMounts:
        - name: scratch
          mountPath: /tmp/
    - name: writer
      image: app:1.0
      resources:
        requests:
          cpu: 250m
          memory: 64Mi
        limits:
          memory: 64Mi
  volumes:
    - name: scratch
      emptyDir:
        medium: Memory
""",
}

OPT_IN_CONFIG = """\
rules:
  read-only-root-filesystem:
    fix: true
  run-as-user-group:
    fix: true
    run_as_user: 10001
    run_as_group: 10002
    fs_group: 10003
  resource-limits:
    fix: true
    require_cpu_limit: true
    default_cpu_request: 200m
    default_memory_request: 96Mi
    default_memory_limit: 192Mi
    default_cpu_limit: "1"
"""

SECURE_DEFAULTS = {"capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}


@pytest.fixture(scope="module")
def opt_in_chart(tmp_path_factory) -> Path:
    return write_chart(tmp_path_factory.mktemp("charts"), "optin", OPT_IN_TEMPLATES)


@pytest.mark.parametrize("how", ["--config", "HELM_HARDEN_CONFIG"])
def test_opt_in_fix_sets(helm, opt_in_chart, tmp_path, how):
    config = tmp_path / "harden.yaml"
    config.write_text(OPT_IN_CONFIG, encoding="utf-8")
    if how == "--config":
        hardened = ok(helm("template", opt_in_chart, *POST_RENDER, f"--post-renderer-args=--config={config}"))
    else:
        hardened = ok(helm("template", opt_in_chart, *POST_RENDER, extra_env={"HELM_HARDEN_CONFIG": str(config)}))
    plain = ok(helm("template", opt_in_chart))

    (before,), (after,) = (by_source(s, "optin/templates/no-mounts.yaml") for s in (plain, hardened))
    expected = load(before)
    pod = expected["spec"]["template"]["spec"]
    pod["securityContext"] = {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "fsGroup": 10003,
        "runAsGroup": 10002,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    tmp_mount = [{"name": "helm-harden-tmp", "mountPath": "/tmp"}]
    app, sidecar = pod["containers"]
    app["securityContext"] = {**SECURE_DEFAULTS, "readOnlyRootFilesystem": True}
    app["volumeMounts"] = tmp_mount
    # Both cpu values missing: each takes its default. The default memory limit (192Mi) is below
    # the 512Mi request: that fill is refused, as the API server would reject it.
    app["resources"] = {"requests": {"memory": "512Mi", "cpu": "200m"}, "limits": {"cpu": "1"}}
    sidecar["securityContext"] = {**SECURE_DEFAULTS, "readOnlyRootFilesystem": True}
    sidecar["volumeMounts"] = tmp_mount
    # Limits only: the API server sets the requests to them, so nothing is added.
    sidecar["resources"] = {"limits": {"cpu": "2", "memory": "1Gi"}}
    debug = pod["ephemeralContainers"][0]
    debug["securityContext"] = {**SECURE_DEFAULTS, "readOnlyRootFilesystem": True}
    debug["volumeMounts"] = tmp_mount  # no resources: the API forbids them on ephemeral containers
    pod["volumes"] = [{"name": "helm-harden-tmp", "emptyDir": {}}]
    assert load(after) == expected

    (before,), (after,) = (by_source(s, "optin/templates/tmp-mounted.yaml") for s in (plain, hardened))
    expected = load(before)
    pod = expected["spec"]
    # runAsUser 70 is kept; the group fix fills the pod for the container that has none.
    pod["securityContext"].update({"runAsNonRoot": True, "runAsGroup": 10002, "fsGroup": 10003, "seccompProfile": {"type": "RuntimeDefault"}})
    app, writer = pod["containers"]
    # Something is mounted at /tmp already: only the flag, no second scratch volume for it.
    app["securityContext"].update({**SECURE_DEFAULTS, "readOnlyRootFilesystem": True})
    app["resources"]["limits"]["cpu"] = "1"  # the configured default_cpu_limit, not a copy of the request
    writer["securityContext"] = {**SECURE_DEFAULTS, "readOnlyRootFilesystem": True}
    writer["volumeMounts"] = tmp_mount
    writer["resources"]["limits"]["cpu"] = "1"
    pod["volumes"].append({"name": "helm-harden-tmp", "emptyDir": {}})
    assert load(after) == expected


@pytest.mark.parametrize(
    "kube_version, how, pod_metadata_annotations, pod_field",
    [
        ("1.30", "config", None, {"type": "RuntimeDefault"}),
        ("1.29", "config", {"container.apparmor.security.beta.kubernetes.io/webapp": "runtime/default"}, None),
        ("1.29", "HELM_HARDEN_KUBE_VERSION", {"container.apparmor.security.beta.kubernetes.io/webapp": "runtime/default"}, None),
    ],
)
def test_apparmor_require_and_fix_follows_kube_version(helm, tmp_path, kube_version, how, pod_metadata_annotations, pod_field):
    config = tmp_path / "apparmor.yaml"
    rules = "rules:\n  apparmor-profile:\n    require: true\n    fix: true\n"
    extra_env = {}
    if how == "config":
        config.write_text(f'kube_version: "{kube_version}"\n' + rules, encoding="utf-8")
    else:
        config.write_text(rules, encoding="utf-8")
        extra_env[how] = kube_version
    plain = ok(helm("template", CHARTS / "webapp", "--kube-version", kube_version))
    hardened = ok(
        helm("template", CHARTS / "webapp", "--kube-version", kube_version, *POST_RENDER,
             f"--post-renderer-args=--config={config}", extra_env=extra_env)
    )
    (before,), (after,) = (by_source(s, "webapp/templates/deployment.yaml") for s in (plain, hardened))
    expected = load(before)
    template = expected["spec"]["template"]
    assert "annotations" not in template["metadata"]
    if pod_metadata_annotations:
        template["metadata"]["annotations"] = pod_metadata_annotations
    template["spec"]["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    if pod_field:
        template["spec"]["securityContext"]["appArmorProfile"] = pod_field
    template["spec"]["containers"][0]["securityContext"] = dict(SECURE_DEFAULTS)
    assert load(after) == expected


def test_config_file_found_from_the_working_directory(env, tmp_path, renders):
    """With no --config and no HELM_HARDEN_CONFIG, post-render reads .helm-harden.yaml in the
    directory helm runs in, or above it."""
    project = tmp_path / "project"
    (project / "deploy").mkdir(parents=True)
    (project / ".helm-harden.yaml").write_text("rules:\n  read-only-root-filesystem:\n    fix: true\n", encoding="utf-8")
    environment = {k: v for k, v in env.items() if k != "HELM_HARDEN_CONFIG"}
    result = run([HELM, "template", CHARTS / "insecure", *POST_RENDER], environment, project / "deploy")
    (after,) = by_source(ok(result), "insecure/templates/replicationcontroller.yaml")
    pod = load(after)["spec"]["template"]["spec"]
    assert pod["containers"][0]["securityContext"] == {**SECURE_DEFAULTS, "readOnlyRootFilesystem": True}
    assert pod["containers"][0]["volumeMounts"] == [{"name": "helm-harden-tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "helm-harden-tmp", "emptyDir": {}}]
    # Elsewhere the defaults apply.
    assert ok(run([HELM, "template", CHARTS / "insecure", *POST_RENDER], environment, tmp_path)) == renders("insecure", ())[1]


# --- reports, refusals and errors ---------------------------------------------------------

INSECURE_SUMMARY_HEAD = "helm-harden: hardened 2 of 9 documents (5 findings fixed); 27 findings left unchanged:"


@pytest.mark.parametrize("how", ["--report", "HELM_HARDEN_REPORT"])
def test_report_file_holds_the_summary(renders, helm, harden_process, tmp_path, how):
    _, hardened, sent = renders("insecure", ())
    report = tmp_path / "summary.txt"
    if how == "--report":
        output = ok(helm("template", CHARTS / "insecure", *POST_RENDER, f"--post-renderer-args=--report={report}"))
    else:
        output = ok(helm("template", CHARTS / "insecure", *POST_RENDER, extra_env={"HELM_HARDEN_REPORT": str(report)}))
    assert output == hardened
    text = report.read_text(encoding="utf-8")
    # The same summary post-render prints on stderr for the stream helm sends.
    assert text == harden_process("post-render", stdin=sent).stderr
    lines = text.splitlines()
    assert lines[0] == INSECURE_SUMMARY_HEAD
    assert len(lines) == 28
    assert (
        "  insecure/templates/daemonset.yaml: DaemonSet kube-system/fail-privileged-daemonset: "
        "error    no-privileged              agent: runs privileged: it has full access to the node [manual]"
    ) in lines
    assert all(line.startswith("  insecure/templates/") for line in lines[1:])


def test_fail_on_error_refuses_the_stream(helm, harden, renders):
    _, _, sent = renders("insecure", ())
    through_helm = helm("template", CHARTS / "insecure", *POST_RENDER, "--post-renderer-args=--fail-on=error")
    assert (through_helm.returncode, through_helm.stdout) == (1, "")
    assert "helm-harden: error: findings at or above error remain; refusing the stream" in through_helm.stderr
    direct = harden("post-render", "--fail-on", "error", stdin=sent)
    assert (direct.returncode, direct.stdout) == (1, "")
    assert direct.stderr.splitlines()[0] == INSECURE_SUMMARY_HEAD
    assert direct.stderr.splitlines()[-1] == "helm-harden: error: findings at or above error remain; refusing the stream"


def test_fail_on_error_passes_a_hardened_chart(renders, helm):
    plain, _, _ = renders("hardened", ())
    assert ok(helm("template", CHARTS / "hardened", *POST_RENDER, "--post-renderer-args=--fail-on=error")) == plain


# Each follows a good document (seven lines), as the second document of the stream.
MALFORMED = {
    "unclosed-flow": (
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\ndata: {a: 1\n",
        "helm-harden: error: c/templates/a.yaml: line 4 of the rendered template: invalid YAML: ",
    ),
    "sequence": ("---\n- a\n- b\n", "helm-harden: error: <stdin> (document 2): expected a Kubernetes object (a mapping), found a sequence\n"),
    "scalar": ("---\njust text\n", "helm-harden: error: <stdin> (document 2): expected a Kubernetes object (a mapping), found a scalar\n"),
    "tab-indent": ("---\napiVersion: v1\nkind: Pod\n\tmetadata: {}\n", "helm-harden: error: <stdin>: line 11: invalid YAML: "),
    # Kubernetes' decoder rejects a mapping key given twice: bad input, not a helm-harden bug.
    "duplicate-key-in-a-workload": (
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  name: q\nspec:\n  containers:\n    - name: a\n      image: a:1\n",
        "helm-harden: error: <stdin>",
    ),
}
GOOD = "---\n# Source: c/templates/ok.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: a, image: a:1}]\n"


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_is_one_line_exit_2_and_no_output(harden_process, name):
    stream, message = MALFORMED[name]
    assert GOOD.count("\n") == 7
    result = harden_process("post-render", stdin=GOOD + stream)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n")
    assert result.stderr.startswith(message)


def test_non_utf8_input(env, workdir):
    result = subprocess.run([HARDEN, "post-render"], input=b"kind: Pod\n\xff\xfe\n", capture_output=True, env=env, cwd=workdir)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr == b"helm-harden: error: <stdin>: not UTF-8 text (byte 10)\n"


def test_an_empty_seccomp_type_is_not_an_internal_error(harden):
    """``type: ""`` is not a profile. Either the fix fills it, or the document is reported as
    malformed (exit 2); exit 4 says helm-harden itself is broken."""
    stream = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    seccompProfile: {type: ""}\n  containers:\n    - {name: a, image: a:1}\n'
    result = harden("post-render", "--quiet", stdin=stream)
    if result.returncode == 0:
        assert load(result.stdout)["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    else:
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr.startswith("helm-harden: error: <stdin> (document 1): ") and result.stderr.count("\n") == 1


# --- check --diff -------------------------------------------------------------------------

INSECURE_DIFF = """\
--- insecure/templates/replicationcontroller.yaml (rendered)
+++ insecure/templates/replicationcontroller.yaml (post-rendered)
@@ -17,3 +17,12 @@
       containers:
         - name: app
           image: registry.example.com/team/app:1.4.2
+          securityContext:
+            capabilities:
+              drop:
+                - ALL
+            allowPrivilegeEscalation: false
+      securityContext:
+        runAsNonRoot: true
+        seccompProfile:
+          type: RuntimeDefault
--- insecure/templates/replicaset.yaml (rendered)
+++ insecure/templates/replicaset.yaml (post-rendered)
@@ -29,7 +29,7 @@
             allowPrivilegeEscalation: false
             readOnlyRootFilesystem: true
             capabilities:
-              drop: [all]
+              drop: [all, ALL]
           resources:
             requests:
               cpu: 50m
"""


def test_check_diff_of_the_insecure_chart(harden):
    result = harden("check", CHARTS / "insecure", "--diff")
    assert (result.returncode, result.stdout) == (1, INSECURE_DIFF)


@pytest.mark.parametrize("chart, args", CHART_CASES)
def test_check_diff_shows_exactly_what_post_render_adds(renders, harden, chart, args):
    plain, _, _ = renders(chart, args)
    everything = ok(harden("post-render", "--quiet", stdin=plain))
    expected, without_hooks, held_back = [], [], []
    for before, after in zip(documents(plain), documents(everything)):
        if before != after:
            hunks = list(difflib.unified_diff(
                before.splitlines(True),
                after.splitlines(True),
                fromfile=f"{source_of(before)} (rendered)",
                tofile=f"{source_of(before)} (post-rendered)",
            ))
            expected += hunks
            if is_hook(before):
                held_back.append(source_of(before))
            else:
                without_hooks += hunks
    # Helm 4 post-renders the whole stream, hooks too.
    result = harden("check", CHARTS / chart, *args, "--diff", "--deploy-with", "helm4")
    assert result.stdout == "".join(expected)
    # Helm 3 (the default) never does: a hook gets a line saying it stays as rendered instead.
    helm3 = harden("check", CHARTS / chart, *args, "--diff").stdout.splitlines(True)
    assert "".join(line for line in helm3 if not line.startswith("# ")) == "".join(without_hooks)
    assert [line.split(": a hook, left as rendered: ")[0][2:] for line in helm3 if line.startswith("# ")] == held_back
    # Post-render only adds lines, but for filling an empty flow mapping ({}) or flow list.
    body = [line for line in result.stdout.splitlines() if not line.startswith(("---", "+++", "@@"))]
    assert {line[1:].strip() for line in body if line.startswith("-")} <= {"{}", "drop: [all]"}
