"""What a scan produces: findings, the workloads checked, renders that failed, hardened documents."""

from __future__ import annotations

import functools

from helm_harden.records import field, record
from helm_harden.rules.base import Severity
from helm_harden.workload import Path


@record(frozen=True, slots=True)
class Finding:
    """One violation as reported: built once by the engine, with every decision about it made."""

    rule: str
    severity: Severity
    kind: str
    name: str
    namespace: str | None
    container: str | None
    location: Path  # keys and indices from the document root; `path` is its JSON pointer
    source: str  # the template or file the object came from
    document: int  # 1-based position of the object's document in its stream
    origin: str  # the stream: chart, kustomization, file or "<stdin>"
    message: str
    fixable: bool  # post-render, with the current config, would repair it
    values_file: str | None = None  # the values file of the render, None for the chart's defaults
    suppressed: str | None = None  # why it does not count: an exemption's or annotation's reason
    note: str | None = None  # e.g. that the exemption which covered it has expired
    baselined: bool = False  # recorded in the --baseline file, so not new
    hook: bool = False  # the object is a Helm hook, which Helm 3 never sends to a post-renderer (see `fixable`)
    hint: str | None = None  # the values key that controls the field and the fixing value (check --hints)

    @property
    def path(self) -> str:
        """The JSON pointer to the offending or missing field (computed on demand: it is not cheap)."""
        return _location_pointer(self.location)


@record(frozen=True, slots=True)
class Workload:
    """A pod-bearing object that was checked (reports list clean ones too, e.g. JUnit cases)."""

    kind: str
    name: str
    namespace: str | None
    source: str
    document: int
    origin: str
    values_file: str | None


@record(frozen=True, slots=True)
class RenderFailure:
    """A chart or overlay that could not be rendered or parsed; the run goes on without it."""

    origin: str
    values_file: str | None
    message: str
    stderr: str = ""


@record(slots=True)
class ScanResult:
    target: str
    findings: list[Finding]
    objects: int = 0  # non-empty documents (a List counts once)
    workloads: int = 0  # pod specs checked
    checked: list[Workload] = field(default_factory=list)
    rules: tuple[str, ...] = ()  # the IDs of the rules that ran
    failures: list[RenderFailure] = field(default_factory=list)
    baseline: object | None = None  # a baseline.BaselineComparison when --baseline was given
    verdicts: list = field(default_factory=list)  # admission.WorkloadVerdict per pod, with --pss
    shard: str | None = None  # "I/N" when the run scanned one shard of a repository's charts
    deploy_with: str | None = None  # what deploys the objects (deploy_target), which `fixable` is true for


@record(slots=True)
class Hardened:
    """One document after post-rendering."""

    text: str  # the original text when nothing changed, byte for byte
    fixed: list[Finding]  # findings the applied fixes repaired
    remaining: list[Finding]  # findings left for a human: explicit values, opt-in fixes not enabled

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


@functools.lru_cache(maxsize=4096)
def _location_pointer(location: Path) -> str:
    """`json_pointer` of a finding's location: a large scan's findings share a few hundred."""
    return json_pointer(location)


def json_pointer(path: Path) -> str:
    """RFC 6901: keys joined by "/", with "~" and "/" inside a key escaped."""
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in path)
