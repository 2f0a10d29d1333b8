"""check --pss: per-workload admission verdicts through the real helm, and Namespace labels.

The controls themselves are tested in test_pss.py; this is the command line around them.
"""

import json

from conftest import TESTS_DIR

CHARTS = TESTS_DIR.parent / "charts-under-test"


def _verdicts(report: dict) -> list[tuple]:
    return [(v["kind"], v["name"], v["admitted"], v["controls"], v["admitted_after_post_render"]) for v in report["verdicts"]]


def test_webapp_is_rejected_at_restricted_but_admitted_after_post_render(harden):
    """Helm 3 (the default) never post-renders the test hook; Helm 4 does."""
    result = harden("check", str(CHARTS / "webapp"), "--pss", "restricted", "--kube-version", "1.30", "--format", "json")
    report = json.loads(result.stdout)
    controls = ["Privilege Escalation", "Running as Non-root", "Seccomp", "Capabilities"]
    assert _verdicts(report) == [
        ("Deployment", "release-name-webapp", False, controls, True),
        ("Pod", "release-name-webapp-test-connection", False, controls, False),
    ]
    assert [v["version"] for v in report["verdicts"]] == ["v1.30", "v1.30"]
    rules = ["pss/capabilities-restricted", "pss/privilege-escalation", "pss/running-as-non-root", "pss/seccomp-restricted"]
    assert sorted({(f["kind"], f["rule"], f["fixable"]) for f in report["findings"]}) == (
        [("Deployment", rule, True) for rule in rules] + [("Pod", rule, False) for rule in rules])
    assert result.returncode == 1
    helm4 = json.loads(harden("check", str(CHARTS / "webapp"), "--pss", "restricted", "--kube-version", "1.30",
                              "--format", "json", "--deploy-with", "helm4").stdout)
    assert _verdicts(helm4) == [
        ("Deployment", "release-name-webapp", False, controls, True),
        ("Pod", "release-name-webapp-test-connection", False, controls, True),
    ]
    assert sorted({(f["kind"], f["rule"], f["fixable"]) for f in helm4["findings"]}) == (
        [("Deployment", rule, True) for rule in rules] + [("Pod", rule, True) for rule in rules])


def test_the_text_report_has_a_verdict_line_per_workload(harden):
    result = harden("check", str(CHARTS / "insecure"), "--pss", "baseline")
    lines = result.stdout.split("Pod Security admission:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert lines == [
        "  DaemonSet kube-system/fail-privileged-daemonset: would be rejected at baseline latest: Privileged Containers",
        "  Pod default/fail-apparmor-unconfined-pod: would be rejected at baseline latest: AppArmor",
        "  ReplicationController default/fail-defaults-replicationcontroller: would be admitted at baseline latest",
        "  ReplicaSet default/fail-capabilities-replicaset: would be rejected at baseline latest: Capabilities",
        "  Deployment default/fail-root-user-deployment: would be admitted at baseline latest",
        "  Deployment default/fail-selinux-deployment: would be rejected at baseline latest: SELinux",
        "  StatefulSet default/fail-run-as-non-root-false-statefulset: would be admitted at baseline latest",
        "  CronJob default/fail-image-tags-cronjob: would be admitted at baseline latest",
        "  PodTemplate default/fail-writable-escalating-podtemplate: would be admitted at baseline latest",
        "  Job default/fail-seccomp-unconfined-hook-job: would be rejected at baseline latest: Seccomp",
    ]


def test_the_hardened_chart_is_admitted_at_restricted(harden):
    result = harden("check", str(CHARTS / "hardened"), "--pss", "restricted", "--format", "json")
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert {v["admitted"] for v in report["verdicts"]} == {True}
    assert len(report["verdicts"]) == 9
    assert result.returncode == 0


NAMESPACED_STREAM = """\
apiVersion: v1
kind: Namespace
metadata:
  name: relaxed
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.29
---
apiVersion: v1
kind: Pod
metadata: {name: in-relaxed, namespace: relaxed}
spec:
  containers: [{name: app, image: app:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: in-release-namespace}
spec:
  containers: [{name: app, image: app:1.0}]
"""


def test_namespace_labels_set_the_level_and_version_of_the_pods_in_them(harden):
    result = harden("check", "-", "--pss", "restricted", "-n", "team-a", "--format", "json", stdin=NAMESPACED_STREAM)
    report = json.loads(result.stdout)
    assert [(v["namespace"], v["name"], v["level"], v["version"], v["admitted"]) for v in report["verdicts"]] == [
        ("relaxed", "in-relaxed", "baseline", "v1.29", True),
        ("team-a", "in-release-namespace", "restricted", "latest", False),
    ]
    assert {f["name"] for f in report["findings"]} == {"in-release-namespace"}
