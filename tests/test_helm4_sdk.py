"""The real Helm 4 post-render path: Helm v4.2.3's own code, from the helm-python-sdk wheel.

No Helm 4 binary installs here, but helm-python-sdk links Helm's Go library, and its install
call runs the ``postrenderer/v1`` plugin runtime: Helm finds ``harden-postrender`` in
``$HELM_PLUGINS`` (this repository as the ``harden`` plugin, its ``helm4/harden-postrender``
beside it, as ``helm plugin install`` of both leaves them), merges the templates into a stream
carrying the ``postrenderer.helm.sh/postrender-filename`` annotation, runs the plugin with the
caller's environment plus ``HELM_PLUGIN_*``, discards its stderr, and splits the result back
into files by that annotation. The release summary the library returns holds the post-rendered
manifest but not the hooks, so most tests run the plugin through ``capture``, a test-only
``postrenderer/v1`` plugin that runs the real ``harden-postrender`` entry script and keeps what
went in and what came out.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TESTS_DIR = Path(__file__).resolve().parent
CHART = TESTS_DIR / "fixtures" / "helm4" / "shop"
DRIVER = TESTS_DIR / "helm4_install.py"
ANNOTATION = "postrenderer.helm.sh/postrender-filename"
SECRET = "Sh0p-helm4-s3cret"

CAPTURE_PLUGIN = """\
apiVersion: v1
type: postrenderer/v1
name: capture
version: 0.1.0
runtime: subprocess
runtimeConfig:
  platformCommand:
    - command: "${HELM_PLUGIN_DIR}/run"
"""
# Numbered files per invocation: Helm's "separate" strategy runs the post-renderer twice.
CAPTURE_SCRIPT = """\
#!/bin/sh
n=$(ls "$HELM_PLUGIN_DIR" | grep -c '^in\\.')
tee "$HELM_PLUGIN_DIR/in.$n" | "$HELM_PLUGIN_DIR/../harden-postrender/post-render" "$@" >"$HELM_PLUGIN_DIR/out.$n"
status=$?
cat "$HELM_PLUGIN_DIR/out.$n"
exit $status
"""


class Helm4:
    """A Helm 4 plugins folder holding ``harden``, ``harden-postrender`` and ``capture``."""

    def __init__(self, plugin: Path, home: Path):
        self.plugins = plugin.parent
        self.home = home
        (self.plugins / "harden-postrender").symlink_to(plugin / "helm4" / "harden-postrender", target_is_directory=True)
        self.capture = self.plugins / "capture"
        self.capture.mkdir()
        (self.capture / "plugin.yaml").write_text(CAPTURE_PLUGIN, encoding="utf-8")
        (self.capture / "run").write_text(CAPTURE_SCRIPT, encoding="utf-8")
        (self.capture / "run").chmod(0o755)
        self.empty_config = home / "empty.yaml"
        self.empty_config.write_text("", encoding="utf-8")

    def install(self, *args: str, strategy: str = "combined", namespace: str | None = None,
                renderer: str = "capture", env: dict[str, str] | None = None) -> dict:
        """A dry-run install of the shop chart as release ``shop``, with ``args`` as
        ``--post-renderer-args``. The environment is a user's shell without this venv on PATH
        (the plugin must find its own Python) and with an empty config."""
        for stale in self.capture.glob("[io][nu]*.*"):
            stale.unlink()
        options = {"dry_run": "client", "post_renderer": renderer, "post_renderer_args": list(args),
                   "post_render_strategy": strategy}
        if namespace:
            options["namespace"] = namespace
        environment = {
            "PATH": os.defpath,
            "HOME": str(self.home),
            "HELM_PLUGINS": str(self.plugins),
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
            "HELM_HARDEN_CONFIG": str(self.empty_config),
            **(env or {}),
        }
        result = subprocess.run(
            [sys.executable, str(DRIVER), str(CHART), "shop", json.dumps(options)],
            capture_output=True, text=True, env=environment, cwd=self.home, timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def captured(self) -> list[tuple[str, str]]:
        """(stream Helm sent, stream helm-harden returned) for each invocation, in order."""
        count = len(list(self.capture.glob("in.*")))
        return [((self.capture / f"in.{n}").read_text(encoding="utf-8"), (self.capture / f"out.{n}").read_text(encoding="utf-8"))
                for n in range(count)]


@pytest.fixture
def helm4(plugin_folder, tmp_path) -> Helm4:
    home = tmp_path / "home"
    home.mkdir()
    return Helm4(plugin_folder(), home)


def documents(stream: str) -> list[str]:
    """The documents of a Helm 4 stream, each with its own ``---`` line but the first."""
    return [piece if n == 0 else "---\n" + piece for n, piece in enumerate(stream.split("\n---\n"))]


def inserted_lines(before: str, after: str) -> list[list[str]]:
    """What ``after`` adds to ``before``, as blocks of lines; fails if anything else changed."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    blocks = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        assert tag in ("equal", "insert"), (tag, before.splitlines()[a0:a1], after.splitlines()[b0:b1])
        if tag == "insert":
            blocks.append(after.splitlines()[b0:b1])
    return blocks


def identity(document: str) -> tuple[str, str, str]:
    data = yaml.safe_load(document)
    return data["kind"], data["metadata"]["name"], data["metadata"]["annotations"][ANNOTATION]


POD_FILL = ["        runAsNonRoot: true", "        seccompProfile:", "          type: RuntimeDefault"]
CONTAINER_FILL = ["          capabilities:", "            drop:", "            - ALL", "          allowPrivilegeEscalation: false"]


def test_combined_stream_is_hardened_losslessly_hooks_included(helm4):
    release = helm4.install("--quiet")["release"]
    [(sent, returned)] = helm4.captured()
    # What Helm 4 sends: no "# Source:" lines, the filename annotation on every document, hooks
    # and the test pod included.
    assert "# Source:" not in sent
    assert [identity(document) for document in documents(sent)] == [
        ("Deployment", "shop-shop", "shop/templates/deployment.yaml"),
        ("Service", "shop-shop", "shop/templates/deployment.yaml"),
        ("Job", "shop-shop-migrate", "shop/templates/hooks/migrate.yaml"),
        ("Secret", "shop-shop-db", "shop/templates/secret.yaml"),
        ("ServiceAccount", "shop-shop", "shop/templates/serviceaccount.yaml"),
        ("Pod", "shop-shop-test", "shop/templates/tests/test-connection.yaml"),
    ]
    # What comes back: the same documents in the same order, the untouched ones byte for byte,
    # the Deployment and the pre-install hook Job with exactly the fills and nothing else changed.
    before, after = documents(sent), documents(returned)
    assert len(after) == len(before)
    for index in (1, 3, 4, 5):
        assert after[index] == before[index]
    assert inserted_lines(before[0], after[0]) == [POD_FILL, CONTAINER_FILL]
    assert inserted_lines(before[2], after[2]) == [POD_FILL, CONTAINER_FILL]
    # Helm splits the result by the kept annotation: every manifest is back under its template
    # (a lost annotation would file it as generated-by-postrender-N.yaml), hardened.
    manifest = release["manifest"]
    assert [line for line in manifest.splitlines() if line.startswith("# Source:")] == [
        "# Source: shop/templates/serviceaccount.yaml",
        "# Source: shop/templates/secret.yaml",
        "# Source: shop/templates/deployment.yaml",
        "# Source: shop/templates/deployment.yaml",
    ]
    assert ANNOTATION not in manifest and "generated-by-postrender" not in manifest
    deployment = next(d for d in yaml.safe_load_all(manifest) if d and d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"runAsUser": 10001, "runAsGroup": 10001, "runAsNonRoot": True,
                                      "seccompProfile": {"type": "RuntimeDefault"}}
    assert pod["containers"][0]["securityContext"] == {"readOnlyRootFilesystem": True,
                                                       "capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": False}


def test_separate_strategy_hardens_hooks_in_their_own_run(helm4):
    helm4.install("--quiet", strategy="separate")
    (hooks_sent, hooks_returned), (manifests_sent, manifests_returned) = helm4.captured()
    assert [identity(d)[:2] for d in documents(hooks_sent)] == [("Job", "shop-shop-migrate"), ("Pod", "shop-shop-test")]
    hooks_before, hooks_after = documents(hooks_sent), documents(hooks_returned)
    assert inserted_lines(hooks_before[0], hooks_after[0]) == [POD_FILL, CONTAINER_FILL]
    assert hooks_after[1] == hooks_before[1]
    # Helm sorted the manifests into install order first: the Service now comes before the
    # Deployment of the same template.
    assert [identity(d)[:2] for d in documents(manifests_sent)] == [
        ("Service", "shop-shop"), ("Deployment", "shop-shop"), ("Secret", "shop-shop-db"), ("ServiceAccount", "shop-shop")]
    assert inserted_lines(manifests_sent, manifests_returned) == [POD_FILL, CONTAINER_FILL]


def test_nohooks_strategy_sends_no_hooks(helm4):
    release = helm4.install("--quiet", strategy="nohooks")["release"]
    [(sent, returned)] = helm4.captured()
    assert [identity(d)[0] for d in documents(sent)] == ["Service", "Deployment", "Secret", "ServiceAccount"]
    assert inserted_lines(sent, returned) == [POD_FILL, CONTAINER_FILL]
    assert "runAsNonRoot: true" in release["manifest"]


def test_report_is_written_through_post_renderer_args(helm4, tmp_path):
    report = tmp_path / "report.txt"
    release = helm4.install(f"--report={report}", renderer="harden-postrender")["release"]
    assert "allowPrivilegeEscalation: false" in release["manifest"]
    # The Deployment's ServiceAccount (sent after it) sets automountServiceAccountToken: false;
    # the hook Job and the test Pod run as service account default.
    token = ("info     automount-service-account-token pod: automountServiceAccountToken is not set, "
             "so every container gets the token of service account default [manual]")
    assert report.read_text(encoding="utf-8") == (
        "helm-harden: hardened 2 of 6 documents (8 findings fixed); 2 findings left unchanged:\n"
        f"  shop/templates/hooks/migrate.yaml: Job shop-shop-migrate: {token}\n"
        f"  shop/templates/tests/test-connection.yaml: Pod shop-shop-test: {token}\n")
    assert SECRET not in report.read_text(encoding="utf-8")


def test_a_refused_stream_fails_the_install_and_the_report_says_why(helm4, tmp_path):
    """Helm 4 shows only 'plugin exited with error' and drops stderr: the report explains."""
    config = tmp_path / "strict.yaml"
    config.write_text("rules:\n  image-tag-pinned:\n    severity: error\n    require_digest: true\n", encoding="utf-8")
    report = tmp_path / "report.txt"
    outcome = helm4.install(f"--config={config}", f"--report={report}", "--fail-on=error", renderer="harden-postrender")
    assert outcome == {
        "error": 'error while running post render on files: failed to invoke post-renderer plugin "harden-postrender": '
                 'plugin "harden-postrender" exited with error',
        "type": outcome["type"],
    }
    assert report.read_text(encoding="utf-8").splitlines()[-1] == (
        "helm-harden: error: findings at or above error remain; refusing the stream")


def test_a_broken_config_fails_the_install_and_the_report_says_why(helm4, tmp_path):
    config = tmp_path / "broken.yaml"
    config.write_text("rules:\n  no-such-rule: {}\n", encoding="utf-8")
    report = tmp_path / "report.txt"
    outcome = helm4.install(f"--config={config}", f"--report={report}", renderer="harden-postrender")
    assert "exited with error" in outcome["error"]
    assert report.read_text(encoding="utf-8") == (
        f"helm-harden: error: {config}: line 2: unknown rule 'no-such-rule' (see: helm-harden rules)\n")


# --- the release namespace --------------------------------------------------------------

NAMESPACE_EXEMPTION = """\
exemptions:
  - namespace: team-a
    rule: seccomp-profile
    reason: team-a's nodes apply their own seccomp profile
"""


def reported_objects(report: Path) -> list[str]:
    return [line.split(": ")[1] for line in report.read_text(encoding="utf-8").splitlines()[1:]]


def test_namespace_install_reports_no_invented_namespace(helm4, tmp_path):
    """``-n team-a`` reaches no post-renderer: the objects are not reported as ``default/…``."""
    report = tmp_path / "report.txt"
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  image-tag-pinned: {require_digest: true}\n", encoding="utf-8")
    helm4.install(f"--config={config}", f"--report={report}", namespace="team-a", renderer="harden-postrender")
    assert sorted(set(reported_objects(report))) == ["Deployment shop-shop", "Job shop-shop-migrate", "Pod shop-shop-test"]


@pytest.mark.parametrize("how", ["post-renderer-args", "HELM_NAMESPACE"])
def test_namespace_exemption_applies_when_the_namespace_is_given(helm4, tmp_path, how):
    config = tmp_path / "team-a.yaml"
    config.write_text(NAMESPACE_EXEMPTION + "rules:\n  image-tag-pinned: {require_digest: true}\n", encoding="utf-8")
    report = tmp_path / "report.txt"
    args = [f"--config={config}", f"--report={report}"]
    if how == "post-renderer-args":
        helm4.install(*args, "--namespace=team-a", namespace="team-a")
    else:
        helm4.install(*args, namespace="team-a", env={"HELM_NAMESPACE": "team-a"})
    [(sent, returned)] = helm4.captured()
    before, after = documents(sent), documents(returned)
    no_seccomp = ["        runAsNonRoot: true"]
    assert inserted_lines(before[0], after[0]) == [no_seccomp, CONTAINER_FILL]
    assert inserted_lines(before[2], after[2]) == [no_seccomp, CONTAINER_FILL]
    assert sorted(set(reported_objects(report))) == ["Deployment team-a/shop-shop", "Job team-a/shop-shop-migrate",
                                                  "Pod team-a/shop-shop-test"]


def test_namespace_exemption_without_a_known_namespace_refuses_the_stream(helm4, tmp_path):
    """Hardening what the user exempted, or skipping it, on a guess would both be wrong."""
    config = tmp_path / "team-a.yaml"
    config.write_text(NAMESPACE_EXEMPTION, encoding="utf-8")
    report = tmp_path / "report.txt"
    outcome = helm4.install(f"--config={config}", f"--report={report}", namespace="team-a", renderer="harden-postrender")
    assert "exited with error" in outcome["error"]
    assert report.read_text(encoding="utf-8") == (
        f"helm-harden: error: shop/templates/deployment.yaml: Deployment shop-shop: the exemption on line 2 of {config} "
        "matches by namespace, but the release namespace is unknown: pass --namespace "
        "(Helm: --post-renderer-args=--namespace=NS) or set HELM_NAMESPACE\n")


def test_helm3_post_renderer_is_not_told_the_namespace_either(plugin_folder, isolated_env, tmp_path):
    """The same holds for Helm 3 (the real helm from the test extra): ``-n`` reaches no
    post-renderer, ``--post-renderer-args=--namespace=…`` does."""
    plugin = plugin_folder()
    env = {key: value for key, value in isolated_env.items() if key != "HELM_NAMESPACE"}
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  image-tag-pinned: {require_digest: true}\n", encoding="utf-8")
    objects = []
    for extra in ([], ["--post-renderer-args=--namespace=team-a"]):
        report = tmp_path / f"report{len(objects)}.txt"
        result = subprocess.run(
            [str(Path(sys.executable).parent / "helm"), "template", "shop", str(CHART), "-n", "team-a",
             "--post-renderer", str(plugin / "scripts" / "post-render"), *extra,
             f"--post-renderer-args=--config={config}", f"--post-renderer-args=--report={report}"],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        )
        assert (result.returncode, result.stderr) == (0, "")
        objects.append(reported_objects(report))
    assert objects == [["Deployment shop-shop"], ["Deployment team-a/shop-shop"]]
