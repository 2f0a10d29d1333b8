"""`helm-harden fix` for one chart: probe, plan, verify, and say finding by finding what fixes it.

The plain render and the probe's renders run in parallel; then `values_fix` verifies the overlay.
Each finding ends up in one of three places: fixed by values (a key of the overlay), by a patch
(post-render's fix, which Flux and Kustomize can apply as a patch), or needing a change by a
human (an explicit value in values or the chart, or a field no fix fills).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from helm_harden import render
from helm_harden.chart_copy import require_local_chart
from helm_harden.engine import Engine
from helm_harden.records import record
from helm_harden.values_fix import Checked, FixOutcome, fix_chart
from helm_harden.values_probe import probe_chart


@record(frozen=True)
class Verdict:
    item: Checked  # the finding of the plain render, with its violation and object
    remedy: str  # "values", "patch" or "manual"
    detail: str  # the key and value, or why no key reaches the field
    refused: bool = False  # values keys reach the field, but the render with them did not verify

    @property
    def finding(self):
        return self.item.finding


def fix_one_chart(chart: str, helm_args: list[str], engine: Engine, override_user: bool = False, jobs: int = 2,
                  rendered: str | None = None, leaves: bool = False) -> FixOutcome:
    """``rendered``: the plain render when the caller has it already; ``leaves``: probe leaves too (hints)."""
    require_local_chart(chart)
    with ThreadPoolExecutor(max_workers=2) as pool:
        plain = pool.submit(render.helm_template, chart, list(helm_args)) if rendered is None else None
        probe = probe_chart(chart, list(helm_args), jobs=jobs, leaves=leaves)
        text = plain.result().text if plain is not None else rendered
    outcome = fix_chart(chart, helm_args, engine, probe, text, override_user, jobs)
    outcome.renders += probe.renders + (plain is not None)
    return outcome


# The file each output gets in a multi-chart run.
FIX_FILES = {
    "values": "hardened-values.yaml",
    "flux": "hardened-helmrelease.yaml",
    "kustomize": "hardened-kustomize/kustomization.yaml",
}


def fix_output(name: str, outcome: FixOutcome, chart: str) -> str:
    """The text of one output format of `fix`."""
    if name == "values":
        return outcome.text
    from helm_harden.gitops_patches import format_flux, format_kustomize, object_patches

    patches = object_patches(outcome.by_patch)
    return format_flux(outcome.overlay, patches, chart) if name == "flux" else format_kustomize(patches, chart)


def verdicts(outcome: FixOutcome) -> list[Verdict]:
    """One verdict per finding of the plain render, in its order."""
    keys, refused = _keys_by_finding(outcome.entries), _keys_by_finding(outcome.refused)
    user = {item.identity: path for item, path in outcome.kept_user_values}
    patch = {item.identity for item in outcome.by_patch}
    fixed = {item.identity for item in outcome.by_values}
    out = []
    for item in outcome.before:
        identity = item.identity
        if identity in fixed:
            where = "set " + ", ".join(keys[identity]) if identity in keys else "a side effect of the overlay's other keys"
            out.append(Verdict(item, "values", where))
        elif identity in patch:
            if identity in user:
                reason = f"you set {_dotted(user[identity])}; --override-user-values lets fix change it"
            elif identity in refused:
                reason = (f"{', '.join(refused[identity])} would fix it, but its values map did not verify"
                          " (the render with the map's keys adds or changes a finding elsewhere)")
            else:
                reason = _unreached(outcome)
            if item.finding.hook:
                reason += "; a hook: Flux's post-renderers never see it, kustomize --enable-helm does"
            out.append(Verdict(item, "patch", reason, refused=identity in refused and identity not in user))
        elif item.violation.fix and not item.finding.suppressed:
            out.append(Verdict(item, "manual", f"opt-in fix: enable it with `rules: {{{item.finding.rule}: {{fix: true}}}}`"))
        else:
            out.append(Verdict(item, "manual", "no automatic fix: change the value in the chart or values"))
    return out


def _keys_by_finding(entries) -> dict:
    """``key: value`` of each overlay entry, by the finding it is meant to fix."""
    keys: dict = {}
    for entry in entries:
        for item in entry.fixes:
            keys.setdefault(item.identity, []).append(f"{_dotted(entry.path)}: {_yaml_value(entry.value)}")
    return keys


def _unreached(outcome: FixOutcome) -> str:
    if outcome.probe is not None and outcome.probe.blind:
        return "not known whether a values key reaches this field: the chart does not render with probe markers (see the note)"
    return "no values key reaches this field"


def _dotted(path: tuple) -> str:
    return ".".join(str(key) for key in path)


def _yaml_value(value) -> str:
    from helm_harden.overlay_yaml import flow_scalar

    return flow_scalar(value)
