"""Pods that do not call the Kubernetes API do not mount a service-account token.

Fails (at a lower severity) when the pod does not set ``spec.automountServiceAccountToken:
false``. Unless told otherwise, Kubernetes mounts a token for the pod's service account into
every container; an attacker inside any of them can then call the API server with the
account's permissions. Most applications never call the API: for them, the token is only
risk. A pod that does call it should say so by setting the field to ``true`` (which passes).
A pod that leaves the field unset inherits its ServiceAccount's: it passes when that
ServiceAccount (the one of that name in the pod's namespace, rendered anywhere in the same
stream: Helm 4 orders it by template file, so it may follow its pods), sets
``automountServiceAccountToken: false``. On in the default profile at ``info``, as kube-linter and Polaris report it: below
the default ``--fail-on``, so it informs without failing a run.

No fix: only the chart knows whether the application talks to the API server, and a pod that
does breaks without its token, so post-render never fills ``false``.

Passes:

    spec:
      automountServiceAccountToken: false

Fails:

    spec:
      serviceAccountName: app
"""

from helm_harden.rules.base import Severity, Violation, yaml_scalar

ID = "automount-service-account-token"
SEVERITY = Severity.INFO
SUMMARY = "Pods say whether they mount a service-account token (automountServiceAccountToken)."


def check(pod, context):
    value = pod.spec.get("automountServiceAccountToken")
    if type(value) is bool or value is None and pod.account_automount is False:
        return
    path = pod.spec_path + ("automountServiceAccountToken",)
    if value is None:
        message = f"automountServiceAccountToken is not set, so every container gets the token of service account {pod.service_account}"
        yield Violation(path, message)
    else:
        yield Violation(path, f"automountServiceAccountToken is {yaml_scalar(value)}, not false")
