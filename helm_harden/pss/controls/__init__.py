"""The Pod Security Standards controls, one module each, in the order the documentation lists them.

Every module provides:

- ``ID``: a stable kebab-case identifier (two controls share a documented name, e.g. the
  baseline and restricted "Capabilities", so the ID tells them apart);
- ``NAME``: the control's name as the Kubernetes documentation writes it, without the
  "(v1.xx+)" suffix;
- ``LEVEL``: ``"baseline"`` or ``"restricted"``;
- ``REVISIONS``: the policy versions at which the control's rule changed, the first being the
  version it appears in (mirroring the admission controller's ``MinimumVersion``s);
- ``OVERRIDES``: for a restricted control, the IDs of the baseline controls it replaces in
  restricted namespaces while it applies;
- a docstring that cites the rule and its admission source;
- ``check(pod, target)``, yielding a `helm_harden.rules.base.Violation` per offending field,
  where ``target`` is a `helm_harden.pss.target.Target`. A control is only called for policy
  versions at or after its first revision.
"""

import importlib

# The control modules, in the documentation's order; the registry names them without importing them.
MODULES = (
    # Baseline
    "host_process",
    "host_namespaces",
    "privileged_containers",
    "capabilities_baseline",
    "host_path_volumes",
    "host_ports",
    "host_probes",
    "apparmor",
    "selinux",
    "proc_mount",
    "seccomp_baseline",
    "sysctls",
    # Restricted
    "volume_types",
    "privilege_escalation",
    "running_as_non_root",
    "running_as_non_root_user",
    "seccomp_restricted",
    "capabilities_restricted",
    "proc_mount_restricted",
)


def __getattr__(name: str):
    # CONTROLS (every control module, in order) and CONTROLS_BY_ID import them all, on first use:
    # a default run imports only the controls that its rules share.
    if name not in ("CONTROLS", "CONTROLS_BY_ID"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    controls = tuple(importlib.import_module(f"{__name__}.{module}") for module in MODULES)
    globals().update(CONTROLS=controls, CONTROLS_BY_ID={control.ID: control for control in controls})
    return globals()[name]
