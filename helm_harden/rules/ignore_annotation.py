"""Ignore annotations that suppress nothing are reported, never fatal.

``ignore.helm-harden.io/<rule>: "<reason>"`` on an object or its pod template suppresses that
rule's findings there. An annotation that names a rule this version of helm-harden does not know
(one from a newer release, or a misspelling: rule IDs are case-sensitive) or that gives no
reason suppresses nothing, and this rule says so. It is only information by default: a chart's
annotations must never block a deploy, neither in ``check`` nor in post-render. Raise its
severity in your own config to make your charts' annotations strict.

No fix: only the chart can correct its annotations.

Passes:
    metadata:
      annotations:
        ignore.helm-harden.io/no-privileged: "reads host metrics; reviewed"

Fails:
    metadata:
      annotations:
        ignore.helm-harden.io/no-privileged: ""
"""

from helm_harden.rules.base import RuleContext, Severity, Violation

ID = "ignore-annotation"
SEVERITY = Severity.INFO
FIX = None
SUMMARY = "Ignore annotations name a known rule and give a reason."
OPTIONS: dict = {}
LINUX_ONLY = False


def check(pod, context: RuleContext):
    where = [(pod.object_annotations, pod.object_annotations_path)]
    if pod.metadata_path != pod.object_path + ("metadata",):  # a Pod's template is the object itself
        where.append((pod.annotations, pod.annotations_path))
    for annotations, path in where:
        for message in _problems(annotations):
            yield Violation(path, message)


def _problems(annotations: dict):
    # Imported here: the registry imports this module, and the exemptions module the registry.
    from helm_harden.exemptions import ignored_rule
    from helm_harden.rules import RULES_BY_ID

    for key, value in annotations.items():
        rule = ignored_rule(key)
        if rule is None:
            continue
        # The key is the chart's text: messages name only what helm-harden itself knows.
        if rule not in RULES_BY_ID:
            yield "an ignore annotation names a rule this version of helm-harden does not know: it suppresses nothing"
        elif not (isinstance(value, str) and value.strip()):
            yield f"the ignore annotation for {rule} has no reason: it suppresses nothing"
