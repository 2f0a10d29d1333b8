"""The rule registry: every rule and Pod Security control, in the order reports list them.

One explicit tuple of module names; `helm_harden.profiles` says which of them a run applies.
A rule's ID is its module's name (see `helm_harden.rules.base`), and its module is imported
when the rule first runs or is described.
"""

from helm_harden.pss.controls import MODULES as CONTROL_MODULES
from helm_harden.rules.base import Rule

RULES = tuple(
    [
        Rule.named(f"helm_harden.rules.{module}")
        for module in (
            # The hardening techniques
            "run_as_non_root",
            "run_as_user_group",
            "no_privileged",
            "drop_capabilities",
            "read_only_root_filesystem",
            "no_privilege_escalation",
            "seccomp_profile",
            "resource_limits",
            "image_tag_pinned",
            "apparmor_profile",
            "selinux_options",
            # What lets a pod take over its node (reported, never fixed)
            "host_namespaces",
            "host_path_volumes",
            "host_ports",
            "unsafe_sysctls",
            "proc_mount_unmasked",
            "host_process",
            "automount_service_account_token",
            # Ignore annotations that suppress nothing
            "ignore_annotation",
        )
    ]
    # The Pod Security Standards' controls, as the standard lists them
    + [Rule.named(f"helm_harden.pss.controls.{module}", control=True) for module in CONTROL_MODULES]
)

RULES_BY_ID = {rule.id: rule for rule in RULES}
