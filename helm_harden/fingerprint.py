"""Stable identities for findings, shared by baselines and SARIF's partialFingerprints.

A fingerprint names what is wrong and where in the chart, not where in the output: the chart
(its directory relative to the git work tree, so two charts of the same name stay apart and the
directory a scan runs from does not matter), template, object kind and
name, container, rule, and the field within the container or pod (one rule may find several:
a missing cpu request and a missing memory limit). Line numbers, document positions, container
indices, values files and messages are left out, so moving a template's lines, reordering
containers or rewording a message does not turn a known finding into a new one.

Nor do names helm randomises: a test pod named ``{{ .Release.Name }}-ui-test-{{ randAlphaNum 5 }}``
has another name on every render, so when the template spells the object's name with a random
function and the rendered name fits the template's words around it, the template's spelling
stands for the name.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re

from helm_harden.paths import relative_path
from helm_harden.report.locations import template_file, template_names
from helm_harden.workload import CONTAINER_FIELDS


def fingerprint_fields(finding) -> dict[str, str]:
    return {
        "chart": _chart(finding.origin),
        "template": finding.source,
        "kind": finding.kind,
        "name": stable_name(finding.origin, finding.source, finding.kind, finding.name),
        "container": finding.container or "",
        "rule": finding.rule,
        "field": _field(finding.location),
    }


@functools.lru_cache(maxsize=1024)
def _chart(origin: str) -> str:
    """A chart directory relative to its git work tree; a chart reference (repo/chart) as it is."""
    return relative_path(origin) if os.path.exists(origin) else origin


_RANDOM = re.compile(r"\b(?:randAlphaNum|randAlpha|randNumeric|randAscii|randInt|randBytes|uuidv4)\b")
_ACTION = re.compile(r"\{\{.*?\}\}", re.S)


@functools.lru_cache(maxsize=4096)
def stable_name(origin: str, source: str, kind: str, name: str) -> str:
    """The object's name, or its template's spelling of it when helm makes it up at random."""
    if source == origin or not os.path.isfile(os.path.join(origin, "Chart.yaml")):
        return name  # only a chart's templates call helm's random functions
    path = template_file(origin, source)
    if path is None:
        return name
    for written in template_names(path, kind):
        if _RANDOM.search(written) and _spelled_by(written, name):
            return " ".join(written.split())
    return name


def _spelled_by(written: str, name: str) -> bool:
    """Could ``name`` have come from the template text ``written`` (its words around the actions)?"""
    pattern = ".*?".join(re.escape(part) for part in _ACTION.split(written))
    return re.fullmatch(pattern, name, re.S) is not None


@functools.lru_cache(maxsize=4096)  # a large scan's findings share a few hundred locations
def _field(location: tuple) -> str:
    """The part of the path below the container (``resources/limits/memory``), or the whole path."""
    for index in range(len(location) - 1):
        if location[index] in CONTAINER_FIELDS and isinstance(location[index + 1], int):
            return "/".join(str(key) for key in location[index + 2 :])
    return "/".join(str(key) for key in location)


def fingerprint(finding) -> str:
    text = "\0".join(fingerprint_fields(finding).values())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
