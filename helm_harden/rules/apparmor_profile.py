"""Containers are confined by AppArmor.

Fails when a container's AppArmor profile is explicitly unconfined, through the field
``appArmorProfile: {type: Unconfined}`` (container, else pod) or the annotation
``container.apparmor.security.beta.kubernetes.io/<container>: unconfined``. With ``require``,
an unset profile fails too. On nodes without AppArmor the settings have no effect.

Options:

- ``require`` (default false): also fail when no profile is set.

Fix (opt-in, for unset profiles): ``RuntimeDefault`` through the pod's ``appArmorProfile``
field for ``--kube-version`` 1.30 and later (or none given), the annotation
``runtime/default`` for older versions. An explicit ``unconfined`` is left alone.

Passes:

    securityContext: {appArmorProfile: {type: RuntimeDefault}}

Fails:

    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
"""

from helm_harden.patch import SetDefault
from helm_harden.rules.base import RuleContext, Severity, Violation, security_context_field
from helm_harden.workload import APPARMOR_ANNOTATION_PREFIX as ANNOTATION_PREFIX

ID = "apparmor-profile"
SEVERITY = Severity.ERROR
FIX = "opt-in"
SUMMARY = "No container is AppArmor-unconfined (with require: every one sets a profile)."
OPTIONS = {"require": False}
SCOPE = "container"
LINUX_ONLY = True


def check(pod, container, context: RuleContext):
    use_field = context.kube_at_least(1, 30)
    profile, path = _effective_profile(pod, container)
    if profile == "Unconfined":
        yield Violation(path, "AppArmor profile is unconfined")
    elif profile is None and context.options["require"]:
        if use_field:
            # The type rather than the whole profile: a rendered ``appArmorProfile: {}`` gets completed.
            fix = (SetDefault(pod.security_context_path + ("appArmorProfile", "type"), "RuntimeDefault", fill_empty=True),)
        else:
            fix = (SetDefault(pod.annotations_path + (ANNOTATION_PREFIX + container.name,), "runtime/default"),)
        where = security_context_field(container, "appArmorProfile")
        yield Violation(where, "no AppArmor profile is set", fix=fix)


def _effective_profile(pod, container):
    """The profile type and where it is set: container field, container annotation, pod field."""
    own = container.security_context.get("appArmorProfile")
    if isinstance(own, dict) and own.get("type"):
        return own["type"], container.security_context_path + ("appArmorProfile", "type")
    key = ANNOTATION_PREFIX + container.name
    annotation = pod.annotations.get(key)
    if isinstance(annotation, str):
        kind = "Unconfined" if annotation == "unconfined" else "Confined"
        return kind, pod.annotations_path + (key,)
    pod_profile = pod.security_context.get("appArmorProfile")
    if isinstance(pod_profile, dict) and pod_profile.get("type"):
        return pod_profile["type"], pod.security_context_path + ("appArmorProfile", "type")
    return None, None
