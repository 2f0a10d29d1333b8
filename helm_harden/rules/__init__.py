"""The rule registry: every rule, in the order reports list them."""

from helm_harden.rules import (
    apparmor_profile,
    drop_capabilities,
    image_tag_pinned,
    no_privilege_escalation,
    no_privileged,
    read_only_root_filesystem,
    resource_limits,
    run_as_non_root,
    run_as_user_group,
    seccomp_profile,
    selinux_options,
)

RULES = (
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
)

RULES_BY_ID = {rule.ID: rule for rule in RULES}
