"""Parse container image references the way container runtimes do."""

from __future__ import annotations

from helm_harden.records import record


@record(frozen=True, slots=True)
class ImageRef:
    name: str  # registry and repository, e.g. "registry:5000/team/app"
    tag: str | None
    digest: str | None  # e.g. "sha256:…"


def parse_image(reference: str) -> ImageRef:
    """Split ``[registry[:port]/]repository[:tag][@digest]``.

    A colon before the last slash belongs to a registry port, so ``registry:5000/app`` has no
    tag; the digest follows the first ``@``.
    """
    name, _, digest = reference.partition("@")
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > last_slash:
        name, tag = name[:colon], name[colon + 1 :]
    return ImageRef(name=name, tag=tag or None, digest=digest or None)
