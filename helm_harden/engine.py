"""Run a profile's rules over documents and turn their violations into findings.

The engine is the only place that decides which rules run and which of their fixes apply;
rules only describe problems and repairs. Every mode feeds it: check (one target or a
repository), ``check --pss``, ``check --diff``, post-render, the Kustomize transformer and the
KRM function.
"""

from __future__ import annotations

import copy
import datetime
import gc
from collections import namedtuple
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from helm_harden.config import Config
from helm_harden.deploy_target import HOOK_NOT_SENT, sends_hooks
from helm_harden.errors import InputError, InternalError
from helm_harden.findings import Finding, Hardened, ScanResult, Workload, json_pointer
from helm_harden.exemptions import annotation_reasons, exemption_for
from helm_harden.header import guess_type
from helm_harden.loader import MergedMapping
from helm_harden.manifest import Document, load_text, rewrite
from helm_harden.patch import PatchBlocked
from helm_harden.profiles import LATEST, context_for, level_rules, resolve
from helm_harden.rules.base import Violation
from helm_harden.workload import WORKLOADS, Pod, mapping, may_hold_pods, objects_in, pods_in

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing at start-up
if TYPE_CHECKING:
    from helm_harden.admission import WorkloadVerdict
    from helm_harden.baseline import Baseline


TOKEN_RULE = "automount-service-account-token"  # its verdict waits for the pod's ServiceAccount


class Engine:
    """Runs one profile over documents: the default rules (as the config sets them), or with
    ``pss_level`` the Pod Security controls of that level, as the admission controller would."""

    def __init__(
        self,
        config: Config,
        kube_version: tuple[int, int] | None = None,
        namespace: str | None = None,
        today: datetime.date | None = None,
        pss_level: str | None = None,
        baseline: Baseline | None = None,
        deploy_with: str | None = None,
    ):
        self.config = config
        # What deploys the objects (deploy_target.DEPLOY_TARGETS), which decides whether post-render
        # ever sees a hook; None for post-render itself, which hardens whatever it is given.
        self.deploy_with = deploy_with
        self._sends_hooks = sends_hooks(deploy_with)
        self.baseline = baseline  # findings recorded in it are built as baselined
        self.namespace = namespace  # the release namespace, for objects that do not name one
        self.today = today or datetime.date.today()  # exemptions expire relative to it
        self.kube_version = kube_version
        self.pss_level = pss_level
        # Findings of a large stream repeat the same paths and messages thousands of times;
        # sharing one copy of each keeps a 50 MB scan's findings within the memory budget.
        self._shared_values: dict = {}
        self._settings = {settings.id: settings for settings in config.rules}
        self._workloads = {**WORKLOADS, **config.workloads}  # the config may add its CRDs' pods
        # ServiceAccounts seen so far in the stream: {(namespace, name): automountServiceAccountToken}.
        self._account_automount: dict[tuple, bool] = {}
        # Post-render's token findings made before their pod's ServiceAccount was read: (account, finding).
        self._awaiting: list[tuple] = []
        # The default run's rules: what post-render fixes, and what check reports without --pss.
        self._runs = [
            (settings, context_for(settings.options, kube_version)) for settings in config.enabled_rules
        ]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The rules this run applies (with --pss, those of its level at the newest policy)."""
        if self.pss_level:
            return tuple(rule.id for rule in level_rules(self.pss_level, LATEST))
        return tuple(settings.id for settings, _ in self._runs)

    def scan(self, target: str, documents: Iterable[Document], values_file: str | None = None,
             findings=None) -> ScanResult:
        """Check every document, keeping only findings: parsed objects are dropped as we go.
        ``findings``: where they go instead of a list, e.g. a report that writes each as it comes."""
        result = ScanResult(target, [] if findings is None else findings, rules=self.rule_ids)
        with acyclic_phase():
            self.scan_into(result, documents, values_file)
        return result

    def scan_into(self, result: ScanResult, documents: Iterable[Document], values_file: str | None = None) -> None:
        """Add one render's findings to ``result`` (a multi-chart run collects several, in threads:
        each stream is checked by a copy of the engine that knows only that stream's ServiceAccounts)."""
        self._for_stream()._scan_stream(result, documents, values_file)

    def _for_stream(self) -> Engine:
        stream = copy.copy(self)
        stream._account_automount, stream._awaiting = {}, []
        return stream

    def _scan_stream(self, result: ScanResult, documents: Iterable[Document], values_file: str | None) -> None:
        labelled: dict = {}
        # Token findings that wait for the rest of the stream: (position, account, finding). A
        # streamed report keeps no findings in memory, and neither does its scan hold these there.
        if isinstance(result.findings, list):
            held = []
        else:
            from helm_harden.spill import SpilledList  # a streamed report only: it brings tempfile and pickle

            held = SpilledList("the JSON report")
        if self.pss_level:  # a rendered Namespace's labels decide the level of the pods in it
            from helm_harden.admission import namespace_levels  # the admission model loads for --pss only

            documents = list(documents)
            labelled = namespace_levels(object_of(document) for document in documents)
        for document in documents:
            if not self.reads_object(document):
                result.objects += 1  # counted, never built: no rule reads it
                continue
            data = object_of(document)
            if data is None:
                continue
            result.objects += 1
            aliased = AliasedNodes.of(document, data)
            hardened = self._hardened_copy(document) if self.pss_level else None
            for index, pod in enumerate(self.pods(data)):
                result.workloads += 1
                namespace = pod.namespace or self.namespace
                workload = Workload(
                    pod.kind, pod.name, namespace, document.source, document.index + 1, document.origin, values_file
                )
                result.checked.append(workload)
                if self.pss_level:
                    policy = labelled.get(namespace)
                    level, version = (policy.level, policy.version) if policy else (self.pss_level, self.kube_version)
                    findings, judged, clean = self._judge(document, pod, hardened[index], level, version, aliased, values_file)
                    result.findings.extend(findings)
                    result.verdicts.append(self._verdict(workload, pod, judged, clean, level, version))
                else:
                    for finding, _ in self.findings(document, pod, aliased, values_file):
                        if self._awaits_account(pod, finding.rule):  # its ServiceAccount may follow
                            held.append((len(result.findings), self._account_of(pod), finding))
                        else:
                            result.findings.append(finding)
        self._release(result, held)

    def _release(self, result: ScanResult, held: list) -> None:
        """Add the held token findings whose ServiceAccount, now that the stream has been read,
        does not turn the token off, each where the scan would have put it."""
        kept = ((at, finding) for at, account, finding in held if self._account_automount.get(account) is not False)
        if not isinstance(result.findings, list):  # a streamed report places them as it writes them out
            for at, finding in kept:
                result.findings.place(at, finding)
            return
        merged, start = [], 0
        for at, finding in kept:
            merged.extend(result.findings[start:at])
            merged.append(finding)
            start = at
        merged.extend(result.findings[start:])
        result.findings[:] = merged

    def _hardened_copy(self, document: Document) -> list[Pod]:
        """The document's pods as post-render would leave them if it were given them (a fresh
        parse, filled); whether it is given them is `_finding`'s and `_verdict`'s to say."""
        hardened = load_text(document.text)  # a fresh copy: deepcopy recurses, libyaml does not
        self.fill(document, hardened, as_if_sent=True)
        return list(self.pods(hardened))

    def _judge(self, document, pod, hardened_pod, level, version, aliased, values_file):
        """The --pss findings of one pod, and its control violations for the verdict.

        A control has no fix of its own; its violation counts as fixable when post-render's
        fixes (the default run's, under this config) make the same pod pass it.
        """
        target = resolve(version, self.kube_version)
        context = context_for({}, self.kube_version, target)
        runs = [(self._settings[rule.id], context) for rule in level_rules(level, target.policy)]
        left = {(rule.id, violation.path) for rule, violation in self._violations(hardened_pod, runs)}
        pairs = list(self._check(document, pod, runs, aliased, values_file, left))
        from helm_harden.admission import control_violation

        judged = [control_violation(self._settings[finding.rule].rule, violation) for finding, violation in pairs]
        return [finding for finding, _ in pairs], judged, not left

    def _verdict(self, workload, pod, judged, clean_after_post_render, level, version) -> WorkloadVerdict:
        from helm_harden.admission import WorkloadVerdict, verdict_line, verdict_of

        result = verdict_of(judged, level, version, self.kube_version)
        sent = self._post_render_sees(pod)
        after_post_render = result.admitted or (clean_after_post_render and sent)
        line = verdict_line(pod, result, self.namespace)
        if not result.admitted and after_post_render:
            line += " (admitted after helm-harden post-render)"
        elif not result.admitted and clean_after_post_render:
            line += " (post-render would admit it, but Helm 3 never sends hooks to a post-renderer)"
        return WorkloadVerdict(workload, result.admitted, result.level, result.version,
                               tuple(result.control_names), line, after_post_render)

    def harden(self, document: Document) -> Hardened:
        """Apply every enabled fix to one document, then prove the result is right.

        The fixed object is checked again (no violation that carried an enabled fix may
        remain), and the rewritten text must parse back to exactly the fixed object, so every
        value the fixes did not touch keeps its value and type. Either failure is an
        `InternalError`: emitting wrong YAML would be worse than emitting none. The document is
        parsed once for its object and the positions the rewrite needs, and its rewrite once.
        """
        if not self.reads_object(document):
            return Hardened(document.text, [], [])
        _, layout = document.data_with_layout()
        data = object_of(document)
        fixed, remaining, edits = self.fill(document, data)
        if not edits:
            return Hardened(document.text, fixed, remaining)
        self._verify_repaired(document, data, fixed, remaining)
        text = rewrite(document, edits, expected=data, layout=layout)
        if text is None:
            raise InternalError(f"{document.label}: rewriting the document would change more than its fixes; refusing")
        return Hardened(text, fixed, remaining)

    def fill(self, document: Document, data, as_if_sent: bool = False) -> tuple[list[Finding], list[Finding], list]:
        """Apply the enabled fixes to ``data`` in place: ``(fixed, remaining, edits)``; with
        ``as_if_sent``, also to the objects the deploy target never gives post-render."""
        fixed: list[Finding] = []
        remaining: list[Finding] = []
        edits: list = []
        aliased = AliasedNodes.of(document, data)
        for pod in self.pods(data):
            for finding, violation in self._check(document, pod, self._runs, aliased, as_if_sent=as_if_sent):
                if finding.fixable:
                    fixed.append(finding)
                    edits.extend(violation.fix)
                else:
                    remaining.append(finding)
                    if self._awaits_account(pod, finding.rule):  # `settle` decides it at the stream's end
                        self._awaiting.append((self._account_of(pod), finding))
        try:
            # Several containers may carry the same pod-level edit: keep those that changed something.
            edits = [edit for edit in edits if edit.apply(data)]
        except PatchBlocked as blocked:
            raise InputError(
                f"{document.label}: cannot harden: {json_pointer(blocked.path)} is neither absent nor a mapping"
                " (the object is malformed)"
            ) from None
        return fixed, remaining, edits

    def _verify_repaired(self, document: Document, data, fixed: list[Finding], remaining: list[Finding]) -> None:
        """After the fixes, nothing fixable is left, and nothing is wrong that was not before: each
        violation the rules find in the fixed object is one that was found, and left, before.

        Only the rules run again: whether a violation is fixable, suppressed or baselined was
        decided before the fixes, and a violation of either list is identified by rule and path."""
        left = {(finding.rule, finding.location) for finding in remaining}
        repaired = {(finding.rule, finding.location) for finding in fixed}
        for pod in self.pods(data):
            for rule, violation in self._violations(self._with_account(pod), self._runs):
                found = (rule.id, violation.path)
                if found in left:
                    continue
                if found in repaired:
                    raise InternalError(f"{document.label}: the {rule.id} fix did not repair {pod.kind} {pod.name}; refusing")
                raise InternalError(
                    f"{document.label}: the fixes would make {pod.kind} {pod.name} break {rule.id}; refusing")

    def findings(
        self, document: Document, pod: Pod, aliased: AliasedNodes, values_file: str | None = None
    ) -> Iterator[tuple]:
        """``(finding, violation)`` for the default run's violations in one pod, exemptions applied."""
        return self._check(document, pod, self._runs, aliased, values_file)

    @staticmethod
    def _violations(pod: Pod, runs) -> Iterator[tuple]:
        """``(rule, violation)`` for each rule of ``runs`` that applies to ``pod``.

        Rules read the pod through the workload view, whose readers take a field of an
        unexpected type for an absent one; an exception from a rule is a bug (exit 4).
        """
        windows = pod.runs_on_windows
        for settings, context in runs:
            rule = settings.rule
            if windows and rule.linux_only:
                continue
            for violation in rule.check(pod, context):
                yield rule, violation

    def _check(self, document, pod, runs, aliased, values_file=None, left=None, as_if_sent=False) -> Iterator[tuple]:
        """``(finding, violation)`` for ``runs`` in one pod; ``left``, for controls, holds the
        ``(rule, path)`` violations post-render would leave (the others are fixable)."""
        ignored = annotation_reasons({**pod.object_annotations, **pod.annotations})
        sent = as_if_sent or self._post_render_sees(pod)
        for rule, violation in self._violations(self._with_account(pod), runs):
            finding = self._finding(document, pod, self._settings[rule.id], violation, ignored, aliased, values_file,
                                    left, sent)
            yield finding, violation

    @staticmethod
    def _awaits_account(pod: Pod, rule_id: str) -> bool:
        """Is this the token finding of a pod whose ServiceAccount has not been read yet? Helm 4
        orders its stream by template file, and a hand-written one may put the account anywhere."""
        return rule_id == TOKEN_RULE and pod.account_automount is None

    def _post_render_sees(self, pod: Pod) -> bool:
        """Does the deploy target hand this pod's object to a post-renderer? (Helm 3: not a hook.)"""
        return self._sends_hooks or not pod.is_helm_hook

    def settle(self, results: list[Hardened]) -> None:
        """Once the whole stream has been read: drop the token findings of the pods whose
        ServiceAccount, rendered after them, turns the token off."""
        settled = self._settled()
        if settled:
            for hardened in results:
                hardened.remaining = [finding for finding in hardened.remaining if id(finding) not in settled]

    def _settled(self) -> set[int]:
        """The token findings, made before their pod's ServiceAccount was read, that it turns off."""
        return {id(finding) for account, finding in self._awaiting if self._account_automount.get(account) is False}

    def _with_account(self, pod: Pod) -> Pod:
        """The pod, told its ServiceAccount's automountServiceAccountToken (a rule reads it)."""
        pod.account_automount = self._account_automount.get(self._account_of(pod))
        return pod

    def _account_of(self, pod: Pod) -> tuple:
        return pod.namespace or self.namespace, pod.service_account

    def reads_object(self, document: Document) -> bool:
        """Does a rule read this document's object? Yes, unless its header, read from the text,
        says that no rule reads its kind.

        A document whose text seems to be of a kind a rule reads is parsed without reading its
        header: the guess is what the header would say, where a header can be read, and the parse
        says it exactly (the header read would cost a third of the parse, for nothing)."""
        guess = guess_type(document.text)
        if guess is not None and self._reads(*guess):
            return True
        header = document.header
        return header is None or self._reads(header.api_version, header.kind)

    def _reads(self, api_version, kind) -> bool:
        # A ServiceAccount's automountServiceAccountToken decides its pods' token-automount finding.
        return may_hold_pods(api_version, kind, self._workloads) or (kind == "ServiceAccount" and api_version == "v1")

    def pods(self, data) -> Iterator[Pod]:
        """The pods of one object, looked up in this run's workload table (the config may add CRDs).
        A ServiceAccount among them is remembered first: the pods it names inherit its token setting."""
        self._remember_service_accounts(data)
        return pods_in(data, self._workloads)

    def _remember_service_accounts(self, data) -> None:
        """Note each ServiceAccount's automountServiceAccountToken, which its pods inherit."""
        for obj in objects_in(data):
            if obj.get("kind") == "ServiceAccount" and obj.get("apiVersion") == "v1":
                metadata = mapping(obj.get("metadata"))
                automount = obj.get("automountServiceAccountToken")
                if isinstance(metadata.get("name"), str) and type(automount) is bool:
                    namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else None
                    self._account_automount[(namespace or self.namespace, metadata["name"])] = automount

    def _shared(self, value):
        return self._shared_values.setdefault(value, value)

    def _finding(self, document: Document, pod: Pod, settings, violation: Violation, ignored: dict,
                 aliased: AliasedNodes, values_file: str | None, left: set | None, sent: bool = True) -> Finding:
        """The one place a finding is made, once: whether it is suppressed, baselined and
        fixable, and its values file, are decided before it exists. ``sent``: the deploy target
        gives the object to post-render (Helm 3 never gives it a hook)."""
        container = violation.container
        where = Where(settings.id, pod.kind, pod.name, pod.namespace or self.namespace,
                      container.name if container is not None else None, violation.path, document.source,
                      document.origin)
        note = None
        if settings.id in ignored:
            suppressed = ignored[settings.id]
        elif self.config.exemptions:
            suppressed, note = exemption_for(where, self.config.exemptions, self.today)
        else:
            suppressed = None
        if left is not None:  # a control: fixable when post-render's fixes make the pod pass it
            fixable = (settings.id, violation.path) not in left
        else:
            fixable = settings.fix and bool(violation.fix)
        if suppressed:
            fixable = False  # an accepted exception is left as the chart wrote it
        elif fixable and not sent:
            fixable = False
            note = f"{note}; {HOOK_NOT_SENT}" if note else HOOK_NOT_SENT  # keep an expired exemption's note
        elif fixable and aliased.touched_by(violation.fix):
            fixable = False
            note = "not fixed: the fix would also change the other places a YAML alias shares this value with"
        elif fixable and "<<" in document.text and _through_merge(aliased.root, violation.fix):
            fixable = False
            note = "not fixed: a YAML merge key (<<) supplies this value, and a fix is never written into merged values"
        elif fixable and not pod.has_security_context and _touches(violation.fix, pod.security_context_path):
            fixable = False
            note = f"not fixed: a {pod.kind} has no pod-level securityContext to set it in"
        return Finding(
            rule=settings.id,
            severity=settings.severity,
            kind=pod.kind,
            name=pod.name,
            namespace=where.namespace,
            container=where.container,
            location=self._shared(violation.path),
            source=document.source,
            document=document.index + 1,
            origin=document.origin,
            message=self._shared(settings.rule.message(violation)),
            fixable=fixable,
            values_file=values_file,
            suppressed=suppressed,
            note=note,
            baselined=self.baseline is not None and where in self.baseline,
            hook=pod.is_helm_hook,
        )


def _touches(edits, path) -> bool:
    return any(edit.path[: len(path)] == path for edit in edits)


# What identifies a finding, for exemptions and baselines to match before it is built: strings,
# namespace and container None where there is none, location a tuple. (A collections.namedtuple,
# not a typing.NamedTuple: loading typing would cost every run about 3 ms.)
Where = namedtuple("Where", ["rule", "kind", "name", "namespace", "container", "location", "source", "origin"])


class AliasedNodes:
    """The mappings and lists a document reaches by more than one path (YAML anchors and aliases).

    A fix that fills a key inside such a node would change every place that shares it, not only
    the one it means to repair; those fixes are not applied.
    """

    def __init__(self, root, shared: frozenset):
        self.root, self.shared = root, shared

    @classmethod
    def of(cls, document: Document, data) -> AliasedNodes:
        if "*" not in document.text:  # no alias in the text: nothing can be shared
            return cls(data, frozenset())
        seen: dict[int, int] = {}
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, (dict, list)):
                seen[id(node)] = seen.get(id(node), 0) + 1
                if seen[id(node)] == 1:
                    stack.extend(node.values() if isinstance(node, dict) else node)
        return cls(data, frozenset(key for key, count in seen.items() if count > 1))

    def touched_by(self, edits) -> bool:
        """Does any edit reach into, or add to, a shared node?"""
        if not self.shared:
            return False
        for edit in edits:
            node = self.root
            for key in edit.path:
                if id(node) in self.shared:
                    return True
                node = node.get(key) if isinstance(node, dict) else (
                    node[key] if isinstance(node, list) and isinstance(key, int) and key < len(node) else None)
                if node is None:
                    break
            else:
                if id(node) in self.shared:
                    return True
        return False


def _through_merge(root, edits) -> bool:
    """Does any edit reach through a key whose value a YAML merge key supplied (see `MergedMapping`)?"""
    for edit in edits:
        node = root
        for key in edit.path:
            if isinstance(node, MergedMapping) and key in node.from_merge:
                return True
            node = node.get(key) if isinstance(node, dict) else (
                node[key] if isinstance(node, list) and isinstance(key, int) and key < len(node) else None)
            if node is None:
                break
    return False


@contextmanager
def acyclic_phase():
    """Pause the cyclic garbage collector while scanning.

    Parsed YAML and findings form no reference cycles, so reference counting frees them; but
    the collector would repeatedly walk the growing list of findings (about 10% of a large
    scan's time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def object_of(document: Document):
    """The document's object, None for an empty one; anything but a mapping is an error."""
    data = document.data
    if data is None:
        return None
    if not isinstance(data, dict):
        raise InputError(f"{document.label}: expected a Kubernetes object (a mapping), found a {_yaml_type(data)}")
    return data


def _yaml_type(value) -> str:
    if isinstance(value, list):
        return "sequence"
    return "scalar"
