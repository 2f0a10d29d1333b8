"""Small readers the controls share, so each control reads a rendered pod the same way.

Rendered YAML is not validated yet: a field may be missing, null, or of the wrong type. The
readers treat anything that is not the expected shape as absent, which is what the API
server's decoder would do with a null and what its validation would reject otherwise.
"""

from __future__ import annotations

from typing import Any

from helm_harden.rules.base import Violation


def mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list:
    return value if isinstance(value, list) else []


def profile_type_violations(pod, field: str, allowed: frozenset):
    """``field`` (``seccompProfile``, ``appArmorProfile``) whose ``type`` is not in ``allowed``,
    at the pod level and in each container's own securityContext."""
    owners = [(None, pod.security_context, pod.security_context_path)]
    owners += [(c, c.security_context, c.security_context_path) for c in pod.containers()]
    for container, context, path in owners:
        profile = context.get(field)
        if isinstance(profile, dict) and profile.get("type") not in allowed:
            message = f"{field}.type is {profile.get('type')}, not {' or '.join(sorted(allowed, reverse=True))}"
            yield Violation(path + (field, "type"), message, container)


def user_namespaced(pod) -> bool:
    """``spec.hostUsers: false``: the pod runs in its own user namespace (unset means the host's)."""
    return pod.spec.get("hostUsers") is False


def is_uid_zero(value: Any) -> bool:
    # ``False == 0`` in Python; a boolean is never a UID.
    return type(value) is int and value == 0


def is_set(value: Any) -> bool:
    """Set to something other than the empty string, which the API treats as unset."""
    return value is not None and value != ""
