"""/proc Mount Type (restricted, v1.35+): the strict /proc rule, even in a user namespace.

Rule: the same as /proc Mount Type (baseline) before its v1.35 relaxation: ``procMount`` must
be unset or ``Default`` whatever ``spec.hostUsers`` says. The Kubernetes "User Namespaces"
page states that the Restricted standard still allows only the default /proc mount. Admission
source: ``policy/check_procMount_restricted.go``, first revision v1.35, which replaces the
baseline check in restricted namespaces from that version on (before it, the baseline check
was strict anyway).
"""

from helm_harden.pss.controls import proc_mount

ID = "proc-mount-restricted"
NAME = "/proc Mount Type"
LEVEL = "restricted"
REVISIONS = ((1, 35),)
OVERRIDES = (proc_mount.ID,)
SCOPE = "container"

check = proc_mount.strict
