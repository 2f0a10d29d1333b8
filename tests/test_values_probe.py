"""Probing with the real helm: which values key comes out where."""

from conftest import FIXTURES_DIR

from helm_harden.helm_flags import split_values_flags
from helm_harden.values_probe import probe_chart

CHARTS = FIXTURES_DIR / "values-charts"
POD = ("spec", "template", "spec")


def test_values_flags_are_told_apart_from_the_others():
    flags = split_values_flags(["my-release", "-f", "a.yaml", "--set=x=1", "--namespace", "team", "-fb.yaml",
                                "--set-json", "y=[]", "--kube-version", "1.30", "--include-crds"])
    assert flags.values == ("-f", "a.yaml", "--set=x=1", "-fb.yaml", "--set-json", "y=[]")
    assert flags.other == ("my-release", "--namespace", "team", "--kube-version", "1.30", "--include-crds")


def _maps(probe, source, kind, name):
    return {path: sorted(l.values_path for l in landings) for path, landings in probe.maps[(source, kind, name)].items()}


def test_subchart_global_and_library_helper_maps_are_found():
    probe = probe_chart(str(CHARTS / "umbrella"), ["--set", "worker.image=registry.example.com/w:1.0"])
    assert probe.notes == []
    # helm's own merge: the --set, and the (empty) globals it copies into each subchart
    assert probe.user_values == {"worker": {"image": "registry.example.com/w:1.0"},
                                 "backend": {"global": {}}, "common": {"global": {}}}
    backend = _maps(probe, "umbrella/charts/backend/templates/deployment.yaml", "Deployment", "release-name-backend")
    assert backend == {
        POD + ("securityContext",): [("global", "podSecurityContext")],
        POD + ("containers", ("container", "backend"), "securityContext"): [("backend", "containerSecurityContext")],
    }
    worker = _maps(probe, "umbrella/templates/worker.yaml", "StatefulSet", "release-name-worker")
    assert worker == {POD + ("containers", ("container", "worker"), "securityContext"): [("worker", "securityContext")]}


def test_a_switched_off_map_is_found_with_the_switch_it_needs():
    probe = probe_chart(str(CHARTS / "switches"), [])
    landings = probe.maps[("switches/templates/deployment.yaml", "Deployment", "release-name-api")]
    [pod] = landings[POD + ("securityContext",)]
    assert (pod.values_path, pod.switches) == (("podSecurityContext",), (("podSecurityContext", "enabled"),))


def test_leaves_show_which_key_makes_an_image_and_what_they_cannot_see():
    probe = probe_chart(str(CHARTS / "nested"), [], leaves=True)
    job = probe.leaves[("nested/templates/webhook-job.yaml", "Job", "release-name-admission-patch")]
    [image] = job[POD + ("containers", ("container", "patch"), "image")]
    assert (image.values_path, image.exact) == (("controller", "admissionWebhooks", "patch", "image"), True)
    # controller.kind is compared with "Deployment": its marker makes the Deployment vanish, so
    # no leaf is seen there (the map probe, which keeps strings, still sees its maps)
    assert ("nested/templates/controller.yaml", "Deployment", "release-name-controller") not in probe.leaves
    assert ("nested/templates/controller.yaml", "Deployment", "release-name-controller") in probe.maps
    assert probe.renders == 5
