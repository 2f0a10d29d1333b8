"""Containers run with a non-zero UID and GID, set explicitly.

Fails when the effective ``runAsUser`` or ``runAsGroup`` is unset or below ``min_id``.
Setting them, to the values the image's ``USER`` uses, makes file ownership predictable and
keeps the process out of the low, often privileged, ID range of the host.

Options:

- ``min_id`` (default 1): the lowest acceptable ID; 10000 is a common strict choice, since it
  stays clear of the host's system and regular users.
- ``run_as_user``, ``run_as_group``, ``fs_group`` (default unset): the IDs the opt-in fix
  sets on the pod where nothing is set (a configured ID below ``min_id`` is never filled).
- ``platform_assigns_ids`` (default false): the platform gives each namespace its own UID
  range and assigns IDs itself (OpenShift's restricted SCCs). Unset IDs are then expected,
  never reported and never filled: a hard-coded UID outside the range is refused there.
  Explicit IDs below ``min_id`` are still reported.

A pod in its own user namespace (``hostUsers: false``) passes from ``--kube-version`` 1.35 (or
none given), as for ``run-as-non-root``.

Passes:

    spec:
      securityContext: {runAsUser: 10001, runAsGroup: 10001}

Fails:

    spec:
      securityContext: {runAsUser: 0}
"""

from helm_harden.patch import SetDefault
from helm_harden.pss.controls.running_as_non_root import root_is_relaxed
from helm_harden.rules.base import Option, RuleContext, Severity, Violation, security_context_field, yaml_scalar

ID = "run-as-user-group"
SEVERITY = Severity.WARNING
FIX = "opt-in"
SUMMARY = "Containers run with an explicit UID and GID of at least min_id."
_ID = Option(None, int, minimum=1, why_minimum=": 0 is root")
OPTIONS = {"min_id": 1, "run_as_user": _ID, "run_as_group": _ID, "fs_group": _ID, "platform_assigns_ids": False}
SCOPE = "container"
LINUX_ONLY = True

_FIELDS = (("runAsUser", "run_as_user", "UID"), ("runAsGroup", "run_as_group", "GID"))


def check(pod, container, context: RuleContext):
    if root_is_relaxed(pod, context):
        return
    min_id = context.options["min_id"]
    fs_group = context.options["fs_group"]
    platform_assigns_ids = context.options["platform_assigns_ids"]
    for field, option, what in _FIELDS:
        value, path = container.effective(field)
        if value is None and platform_assigns_ids:
            continue
        if value is None:
            message = f"{field} is not set, so the image decides the {what}"
            configured = context.options[option]
            if configured is not None and configured < min_id:
                # The fill would fail this rule itself: post-render would refuse the stream.
                message += f" (not filled: the configured {option} {configured} is below min_id {min_id})"
                configured = None
            yield Violation(security_context_field(container, field), message,
                            fix=_fill(pod, field, configured, fs_group))
        elif type(value) is not int:
            kind = "a string: it must be an integer" if isinstance(value, str) else "not an integer"
            yield Violation(path, f"{field} is {yaml_scalar(value)}, {kind} (the API server rejects the object)")
        elif value < min_id:
            yield Violation(path, f"{field} is {yaml_scalar(value)}, below the minimum {min_id}")


def _fill(pod, field: str, value, fs_group) -> tuple:
    if value is None:
        return ()
    ops = [SetDefault(pod.security_context_path + (field,), value)]
    if fs_group is not None:
        ops.append(SetDefault(pod.security_context_path + ("fsGroup",), fs_group))
    return tuple(ops)
