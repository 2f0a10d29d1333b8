"""A hint for each finding in a chart: the values key that controls the field and the value that
fixes it, or that no key reaches it and which template line writes it.

Hints come from `fix`'s own machinery, so they are proven, not guessed: a key named for a fill
is one the verified overlay holds; a key named for an explicit value is the values map the probe
saw land at the field, holding that very value. Computing them costs `fix`'s renders (about six,
two at a time), so ``check`` does it only when asked (``--hints``), for one chart.
"""

from __future__ import annotations

from helm_harden.deploy_target import held_back
from helm_harden.overlay_yaml import flow_scalar
from helm_harden.records import replace
from helm_harden.remedy import Verdict, fix_one_chart, verdicts
from helm_harden.report.locations import locate
from helm_harden.values_fix import Checked, finding_identity, get_path, values_map_above
from helm_harden.values_probe import Probe, named_path

# The value that satisfies a rule, by the field it reads; fields not here have no single answer.
_SAFE_VALUES = {
    "privileged": False,
    "allowPrivilegeEscalation": False,
    "runAsNonRoot": True,
    "readOnlyRootFilesystem": True,
    "type": "RuntimeDefault",  # seccompProfile.type, appArmorProfile.type
    "seccompProfile": {"type": "RuntimeDefault"},
}
_ADVICE = {
    "runAsUser": "a non-zero UID the image runs as",
    "runAsGroup": "a non-zero GID",
    "memory": "a quantity, e.g. 128Mi",
    "cpu": "a quantity, e.g. 100m",
}
_IMAGE_RULES = {"image-tag-pinned"}
CANNOT_BE_FALSE = ("allowPrivilegeEscalation cannot be false while the container is privileged or adds SYS_ADMIN"
                   " (the API server rejects the object): remove that first")


def add_hints(result, chart: str, helm_args: list[str], engine, rendered: str, jobs: int = 2) -> int:
    """Set each finding's ``hint`` in ``result``; the number of helm renders it took. ``engine`` is
    fix's (it fills hooks too: values and Kustomize patches reach them whatever deploys the chart)."""
    outcome = fix_one_chart(chart, helm_args, engine, jobs=jobs, rendered=rendered, leaves=True)
    unsent = {finding_identity(finding) for finding in result.findings if held_back(finding)}
    hints = {verdict.item.identity: hint_for(verdict, outcome.probe, verdict.item.identity not in unsent)
             for verdict in verdicts(outcome)}
    result.findings = [
        replace(finding, hint=hints[finding_identity(finding)]) if finding_identity(finding) in hints else finding
        for finding in result.findings
    ]
    return outcome.renders


def hint_for(verdict: Verdict, probe: Probe, post_rendered: bool = True) -> str:
    """``post_rendered``: the deploy target gives the object to post-render (Helm 3 gives it no hook)."""
    item = verdict.item
    if verdict.remedy == "values" or verdict.detail.startswith("you set "):
        return verdict.detail
    if verdict.refused:  # the key is known, and known not to do: naming it again would mislead
        return f"{verdict.detail}: {_fixers(item.finding, post_rendered)}"
    known = _key_hint(item, probe)
    if known:
        return known
    where = _template_line(item.finding)
    if probe.blind:
        return f"not known whether a values key reaches this field (the chart does not render with probe markers): see {where}"
    if verdict.remedy == "patch":
        return f"no values key reaches this field: {_fixers(item.finding, post_rendered)}, or change {where}"
    return f"no values key reaches this field: change {where}"


def _fixers(finding, post_rendered: bool) -> str:
    """What fills the field where no values key does: post-render, if the deploy target gives it the
    object, and the patches of `fix` that reach it (Flux's run as Helm's post-renderer, which never
    sees a hook; Kustomize's see everything)."""
    patch = "a patch (fix --format kustomize)" if finding.hook else "a patch (fix --format flux|kustomize)"
    return f"post-render or {patch} fixes it" if post_rendered else f"{patch} fixes it"


def _key_hint(item: Checked, probe: Probe) -> str | None:
    """The values key that sets the finding's field (or would add it where it is absent), if any."""
    target = named_path(item.data, tuple(item.finding.location))
    if item.finding.rule in _IMAGE_RULES:
        leaves = [landing for key in item.keys for landing in probe.leaves_at(key, target)]
        if leaves:
            keys = ", ".join(sorted({".".join(map(str, landing.values_path)) for landing in leaves}))
            return f"the image comes from {keys}: pin its tag or digest there"
        return None
    container = item.violation.container
    if target[-1:] == ("allowPrivilegeEscalation",) and container is not None and container.must_allow_escalation:
        return CANNOT_BE_FALSE  # its safe value is one the API server rejects here
    found = values_map_above(item, target, probe)
    if found is not None:
        landing, rest = found
        path = landing.values_path + rest
        dotted = ".".join(map(str, path))
        safe = _SAFE_VALUES.get(path[-1])
        current = get_path(probe.values, path)
        if current is None and get_path(item.data, tuple(item.finding.location)) is None:  # absent: values can add it
            return f"set {dotted}: {flow_scalar(safe)}" if safe is not None else f"set {dotted} ({_ADVICE.get(path[-1], 'as the rule asks')})"
        if current is not None:  # the field came from values, not from the template
            if safe is not None and current != safe:
                return f"set {dotted}: {flow_scalar(safe)}"
            return f"{dotted} sets it (now {flow_scalar(current)})"
    for key in item.keys:
        for landing in probe.leaves_at(key, target):
            if landing.exact:
                return f"{'.'.join(map(str, landing.values_path))} sets it"
    return None


def _template_line(finding) -> str:
    where = locate(finding)
    if where.file is None:
        return f"the template {finding.source}"
    return f"{where.file}:{where.line}" if where.line else where.file
