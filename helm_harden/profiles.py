"""Profiles: which of the registered rules a run applies, and at which Kubernetes version.

Three profiles, all data over the one registry (`helm_harden.rules.RULES`):

- ``default``: the hardening rules, the node-takeover rules and the service-account token rule
  (every rule that is not a Pod Security control); the config can switch rules off and on, and
  add controls (``pss/<control>``);
- ``pss-baseline`` and ``pss-restricted``: the Pod Security controls of that level at a policy
  version, as the admission controller selects them (``check --pss LEVEL``).

Restricted includes every baseline control, except those a restricted control replaces while
it applies (its ``OVERRIDES``): the admission controller does the same, so that a pod is never
judged twice for one field, and so that, say, a restricted namespace pinned to v1.21 still gets
the baseline capabilities rule, the restricted one starting at v1.22.

Policy versions: the admission controller accepts ``v1.0`` up to ``latest``. It evaluates a
version older than a control's first revision without that control, and a version newer than
the newest revision it knows (its "latest") as that newest one; so does this module, with the
newest revision of any registered rule as `LATEST` (stated in `helm_harden.rules.base`, which
checks every rule against it).
"""

from __future__ import annotations

import re

from helm_harden.records import record
from helm_harden.rules import RULES, RULES_BY_ID
from helm_harden.rules.base import LATEST, OLDEST, PSS_PREFIX, Rule, RuleContext, Version

LEVELS = ("baseline", "restricted")
PRIVILEGED = "privileged"  # a namespace may say so; nothing is checked
DEFAULT_PROFILE = "default"
PROFILES = (DEFAULT_PROFILE, *(f"pss-{level}" for level in LEVELS))

LATEST_LABEL = "latest"
_LABEL = re.compile(r"v1\.(0|[1-9][0-9]*)")


@record(frozen=True, slots=True)
class Target:
    """What a check is evaluated against: a policy version, run by an API server of some version.

    The two usually coincide, but not always. A namespace may pin an older policy
    (``pod-security.kubernetes.io/enforce-version: v1.25``) on a newer cluster: the checks then
    follow the v1.25 policy, yet the API server still knows fields that v1.25 did not have and
    runs its own (newer) copy of the checks, which Kubernetes has sometimes amended in place
    rather than under a new policy version (the AppArmor field, image volumes). Controls read
    ``policy`` for what the standard says at that version and ``cluster`` for what the API
    server can see and how it judges it.
    """

    policy: Version
    cluster: Version


def default_rules() -> tuple[Rule, ...]:
    """The default profile: every rule that is not a Pod Security control."""
    return tuple(rule for rule in RULES if not rule.is_control)


def controls_for(level: str, policy: Version) -> list:
    """The control modules that apply at ``level`` for policy version ``policy``, in order."""
    if level == PRIVILEGED:
        return []
    if level not in LEVELS:
        raise ValueError(f"unknown Pod Security level {level!r} (expected baseline or restricted)")
    from helm_harden.pss.controls import CONTROLS  # every control, imported for a --pss run only

    active = [
        control
        for control in CONTROLS
        if policy >= control.REVISIONS[0] and (control.LEVEL == "baseline" or level == "restricted")
    ]
    replaced = {
        overridden for control in active if control.LEVEL == "restricted" for overridden in control.OVERRIDES
    }
    return [control for control in active if control.ID not in replaced]


def level_rules(level: str, policy: Version) -> list[Rule]:
    """The registered rules of the ``pss-<level>`` profile at ``policy``."""
    return [RULES_BY_ID[PSS_PREFIX + control.ID] for control in controls_for(level, policy)]


def context_for(options: dict, kube_version: Version | None, target: Target | None = None) -> RuleContext:
    """The context a rule is checked in; ``target`` defaults to the ``--kube-version``'s."""
    target = target or resolve(None, kube_version)
    return RuleContext(options, kube_version, target.policy, target.cluster)


def policy_version(kube_version: Version | None) -> Version:
    """The policy version a Kubernetes version evaluates: itself, clamped to [`OLDEST`, `LATEST`].

    None (no ``--kube-version``) and anything newer than `LATEST` give `LATEST`.
    """
    if kube_version is None or kube_version > LATEST:
        return LATEST
    return max(tuple(kube_version), OLDEST)


def resolve(version: Version | None, cluster: Version | None) -> Target:
    """The target for a requested policy version (None: ``latest``) on a cluster (None: newest).

    As the admission controller does, a pinned version newer than what the cluster knows is
    evaluated as the cluster's newest.
    """
    on_cluster = policy_version(cluster)
    requested = on_cluster if version is None else policy_version(version)
    return Target(policy=min(requested, on_cluster), cluster=on_cluster)


def parse_label(value) -> Version | None:
    """An ``enforce-version`` label value: ``v1.30`` → (1, 30); ``latest`` → None.

    Anything else (``1.30`` without the ``v``, ``v2.0``, ``v1.05``) is what the admission
    controller rejects as invalid and then treats as ``latest``; so does this function.
    """
    if isinstance(value, str):
        match = _LABEL.fullmatch(value)
        if match:
            return (1, int(match.group(1)))
    return None


def label(version: Version | None) -> str:
    """How the admission controller writes a policy version: ``v1.30``, or ``latest`` for None."""
    return LATEST_LABEL if version is None else f"v{version[0]}.{version[1]}"
