"""Containers declare cpu and memory requests and a memory limit.

Fails when a container has no memory limit, no cpu request or no memory request (and, with
``require_cpu_limit``, no cpu limit), or when a value is not a Kubernetes quantity. Without them
one pod can starve its node and the scheduler cannot place pods sensibly. A limit without a
request is a request: the API server sets the missing request to the limit, so only what is
still missing after that is reported. Ephemeral containers are exempt: the API forbids resources
on them.

Options:

- ``require_cpu_limit`` (default false): also require a cpu limit. Many teams leave it out on
  purpose, since cpu limits throttle even an idle node.
- ``default_cpu_request`` (100m), ``default_memory_request`` (128Mi),
  ``default_memory_limit`` (256Mi), ``default_cpu_limit`` (500m): what the opt-in fix fills.
  They are Kubernetes quantities (``512Mi``, ``1Gi``, ``0.5``, ``500m``), checked when the
  config loads: ``512Mb`` is an error.

Fix (opt-in): fill each missing value with its configured default, and nothing the API server
would set itself (no request beside a limit). A fill that would make a request exceed its limit,
which the API server rejects, is refused and the finding says why: a default limit below the
container's request, or a default request above the default limit. Too low a memory limit gets
a pod OOM-killed: prefer setting real values in the chart.

Passes:

    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {memory: 256Mi}

Passes too (the API server sets the memory request to 256Mi and the cpu request to 1):

    resources:
      limits: {cpu: "1", memory: 256Mi}

Fails:

    resources: {}
"""

from __future__ import annotations

from helm_harden.patch import SetDefault
from helm_harden.quantity import nanos
from helm_harden.records import record
from helm_harden.rules.base import Option, RuleContext, Severity, Violation
from helm_harden.workload import mapping


@record(frozen=True, slots=True)
class QuantityOption(Option):
    """An option holding a Kubernetes quantity above 0: a string such as 256Mi, or a number."""

    def validate(self, value) -> str | None:
        try:
            amount = nanos(value)
        except ValueError:
            return f"{value!r} is not a Kubernetes quantity (such as 500m, 0.5, 128Mi or 1Gi)"
        return "must be more than 0" if amount <= 0 else None


ID = "resource-limits"
SEVERITY = Severity.WARNING
FIX = "opt-in"
SUMMARY = "Containers set cpu/memory requests and a memory limit (cpu limit optional)."
OPTIONS = {
    "require_cpu_limit": False,
    "default_cpu_request": QuantityOption("100m", str),
    "default_memory_request": QuantityOption("128Mi", str),
    "default_memory_limit": QuantityOption("256Mi", str),
    "default_cpu_limit": QuantityOption("500m", str),
}
SCOPE = "container"
LINUX_ONLY = False

_REJECTED = "and the API server rejects a request above its limit"


def check(pod, container, context: RuleContext):
    if container.is_ephemeral:
        return
    resources = mapping(container.data.get("resources"))
    requests, limits = mapping(resources.get("requests")), mapping(resources.get("limits"))
    for resource in ("cpu", "memory"):
        yield from _check_resource(container, resource, requests.get(resource), limits.get(resource), context.options)


def _check_resource(container, resource: str, request, limit, options):
    paths = {section: container.path + ("resources", section + "s", resource) for section in ("request", "limit")}
    invalid = False
    for section, value in (("request", request), ("limit", limit)):
        if value is not None and _quantity(value) is None:
            invalid = True
            message = f"the {resource} {section} is not a Kubernetes quantity (such as 128Mi or 1Gi): the API server rejects it"
            yield Violation(paths[section], message)
    if invalid:
        return
    # The API server defaults a missing request to the limit: only a request without a limit is missing.
    missing = [section for section, absent in (("request", request is None and limit is None),
                                                ("limit", limit is None and (resource == "memory" or options["require_cpu_limit"])))
               if absent]
    defaults = {section: options[f"default_{resource}_{section}"] for section in missing}
    why = _refusal(resource, request, defaults)
    for section in missing:
        message = f"has no {resource} {section}"
        if why:
            yield Violation(paths[section], f"{message} ({why})")
        else:
            yield Violation(paths[section], message, fix=(SetDefault(paths[section], defaults[section]),))


def _refusal(resource: str, request, defaults: dict) -> str | None:
    """Why filling ``defaults`` would make the request exceed the limit, None when it would not."""
    if "limit" not in defaults:
        return None
    limit = defaults["limit"]
    if "request" in defaults:
        if nanos(defaults["request"]) > nanos(limit):
            return (f"not filled: the configured default_{resource}_request {defaults['request']} is above "
                    f"default_{resource}_limit {limit}, {_REJECTED}")
    elif request is not None and nanos(request) > nanos(limit):
        return (f"not filled: the configured default_{resource}_limit {limit} is below its {resource} request "
                f"{request}, {_REJECTED}")
    return None


def _quantity(value):
    try:
        return nanos(value)
    except ValueError:
        return None

