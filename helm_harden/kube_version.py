"""Kubernetes versions as users write them for --kube-version."""

from __future__ import annotations

import re

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?")


def parse_kube_version(text: str | None) -> tuple[int, int] | None:
    """``v1.29.3``, ``1.29`` → (1, 29); None for none given. Helm accepts the same forms."""
    if not text:
        return None
    match = _VERSION.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"invalid Kubernetes version {text!r} (expected e.g. 1.30 or v1.30.2)")
    return int(match.group(1)), int(match.group(2))
