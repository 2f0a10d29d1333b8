"""Sysctls (baseline): the pod sets only sysctls that are safe, namespaced and isolated.

Rule (Pod Security Standards, Baseline, "Sysctls"): every ``spec.securityContext.sysctls[*].name``
must be in the safe set of the policy version. Admission source: ``policy/check_sysctls.go``:

- v1.0: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
  net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start;
- v1.27: adds net.ipv4.ip_local_reserved_ports;
- v1.29: adds net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout,
  net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes;
- v1.32: adds net.ipv4.tcp_rmem, net.ipv4.tcp_wmem (kubernetes/kubernetes pull request
  127489);
- v1.37: adds net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat
  (kubernetes/kubernetes pull request 138389, documented for v1.37).
"""

from helm_harden.workload import one_of, sequence
from helm_harden.rules.base import Violation

ID = "sysctls"
NAME = "Sysctls"
LEVEL = "baseline"
REVISIONS = ((1, 0), (1, 27), (1, 29), (1, 32), (1, 37))
OVERRIDES: tuple = ()

# Each revision's additions; a policy version allows those of every revision up to it.
ADDED = {
    (1, 0): (
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ),
    (1, 27): ("net.ipv4.ip_local_reserved_ports",),
    (1, 29): (
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ),
    (1, 32): ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"),
    (1, 37): ("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"),
}


def allowed(policy) -> frozenset:
    return frozenset(name for since, names in ADDED.items() if policy >= since for name in names)


def check(pod, context):
    safe = allowed(context.policy)
    for index, sysctl in enumerate(sequence(pod.security_context.get("sysctls"))):
        name = sysctl.get("name") if isinstance(sysctl, dict) else None
        if not one_of(name, safe):
            path = pod.security_context_path + ("sysctls", index, "name")
            yield Violation(path, f"sysctl {name} is not in the safe set of this policy version")
