"""The rule registry: every rule and Pod Security control, in the order reports list them.

One explicit tuple; `helm_harden.profiles` says which of them a run applies.
"""

from helm_harden.pss.controls import CONTROLS
from helm_harden.rules import (
    apparmor_profile,
    automount_service_account_token,
    drop_capabilities,
    host_namespaces,
    host_path_volumes,
    host_ports,
    host_process,
    ignore_annotation,
    image_tag_pinned,
    no_privilege_escalation,
    no_privileged,
    proc_mount_unmasked,
    read_only_root_filesystem,
    resource_limits,
    run_as_non_root,
    run_as_user_group,
    seccomp_profile,
    selinux_options,
    unsafe_sysctls,
)
from helm_harden.rules.base import Rule

RULES = tuple(
    Rule.of(module)
    for module in (
        # The hardening techniques
        run_as_non_root,
        run_as_user_group,
        no_privileged,
        drop_capabilities,
        read_only_root_filesystem,
        no_privilege_escalation,
        seccomp_profile,
        resource_limits,
        image_tag_pinned,
        apparmor_profile,
        selinux_options,
        # What lets a pod take over its node (reported, never fixed)
        host_namespaces,
        host_path_volumes,
        host_ports,
        unsafe_sysctls,
        proc_mount_unmasked,
        host_process,
        automount_service_account_token,
        # Ignore annotations that suppress nothing
        ignore_annotation,
        # The Pod Security Standards' controls, as the standard lists them
        *CONTROLS,
    )
)

RULES_BY_ID = {rule.id: rule for rule in RULES}
