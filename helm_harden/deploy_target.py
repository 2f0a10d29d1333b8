"""What deploys the rendered objects, and so which of them a post-renderer ever sees.

A finding is "fixable by post-render" only if post-render is given its object. Helm 3 never
sends hooks (test pods included) to a post-renderer; Helm 4 sends them with the rest, and a
Kustomize transformer or KRM function gets every object of the build (``helm.sh/hook`` means
nothing to ``kubectl apply``). The post-renderer itself hardens whatever it is given: only
the reports of ``check`` depend on the target.
"""

from __future__ import annotations

HELM3, HELM4, KUSTOMIZE = "helm3", "helm4", "kustomize"
DEPLOY_TARGETS = (HELM3, HELM4, KUSTOMIZE)
DEFAULT = HELM3  # what a chart, a repository, files or stdin are deployed with unless told
KUSTOMIZATION_DEFAULT = KUSTOMIZE  # a kustomization's output goes to kubectl apply, hooks and all

# The note of a finding post-render would fix if it were given the object.
HOOK_NOT_SENT = ("not fixed by post-render: Helm 3 never sends hooks to a post-renderer; "
                 "Helm 4 and Kustomize do, see --deploy-with")


def sends_hooks(deploy_with: str | None) -> bool:
    """Does the post-renderer of ``deploy_with`` get hooks? None is post-render itself, which
    hardens whatever it is given."""
    return deploy_with != HELM3


def deploy_target(flag: str | None, configured: str | None, target_kind: str) -> str:
    """The target of a check: the flag, else a kustomization's own (kustomize), else the config's,
    else Helm 3. The config speaks for the charts and streams of a repository; a kustomization is
    deployed by kustomize whatever the charts beside it are deployed with."""
    if flag:
        return flag
    if target_kind == "kustomization":
        return KUSTOMIZATION_DEFAULT
    return configured or DEFAULT


def held_back(finding) -> bool:
    """Would post-render fix this finding, were it given the object (the target keeps it away)?"""
    return HOOK_NOT_SENT in (finding.note or "")
