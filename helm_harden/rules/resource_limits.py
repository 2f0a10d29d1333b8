"""Containers declare cpu and memory requests and a memory limit.

Fails when a container has no memory limit, no cpu request or no memory request (and, with
``require_cpu_limit``, no cpu limit). Without them one pod can starve its node and the
scheduler cannot place pods sensibly. Ephemeral containers are exempt: the API forbids
resources on them.

Options:

- ``require_cpu_limit`` (default false): also require a cpu limit. Many teams leave it out on
  purpose, since cpu limits throttle even an idle node.
- ``default_cpu_request`` (100m), ``default_memory_request`` (128Mi),
  ``default_memory_limit`` (256Mi), ``default_cpu_limit`` (500m): what the opt-in fix fills.

Fix (opt-in): fill each missing value; a missing request copies the limit when there is one
and a missing limit copies the request, so the fill never makes a request exceed its limit.
Too low a memory limit gets a pod OOM-killed: prefer setting real values in the chart.

Passes:

    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {memory: 256Mi}

Fails:

    resources: {}
"""

from helm_harden.patch import SetDefault
from helm_harden.rules.base import RuleContext, Severity, Violation

ID = "resource-limits"
SEVERITY = Severity.WARNING
FIX = "opt-in"
SUMMARY = "Containers set cpu/memory requests and a memory limit (cpu limit optional)."
OPTIONS = {
    "require_cpu_limit": False,
    "default_cpu_request": "100m",
    "default_memory_request": "128Mi",
    "default_memory_limit": "256Mi",
    "default_cpu_limit": "500m",
}
SCOPE = "container"
LINUX_ONLY = False


def check(pod, container, context: RuleContext):
    options = context.options
    if container.is_ephemeral:
        return
    resources = container.data.get("resources")
    resources = resources if isinstance(resources, dict) else {}
    requests = _section(resources, "requests")
    limits = _section(resources, "limits")
    wanted = [
        ("requests", "cpu", limits.get("cpu"), options["default_cpu_request"]),
        ("requests", "memory", limits.get("memory"), options["default_memory_request"]),
        ("limits", "memory", requests.get("memory"), options["default_memory_limit"]),
    ]
    if options["require_cpu_limit"]:
        wanted.append(("limits", "cpu", requests.get("cpu"), options["default_cpu_limit"]))
    for section, resource, counterpart, default in wanted:
        if (requests if section == "requests" else limits).get(resource) is not None:
            continue
        path = container.path + ("resources", section, resource)
        fill = counterpart if counterpart is not None else default
        yield Violation(path, f"has no {resource} {section[:-1]}", fix=(SetDefault(path, fill),))


def _section(resources: dict, key: str) -> dict:
    section = resources.get(key)
    return section if isinstance(section, dict) else {}
