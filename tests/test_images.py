"""Image references split the way container runtimes read them."""

from __future__ import annotations

import pytest

from helm_harden.images import ImageRef, parse_image

DIGEST = "sha256:0d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"


@pytest.mark.parametrize(
    "reference, name, tag, digest",
    [
        # library images, with and without tags
        ("nginx", "nginx", None, None),
        ("nginx:1.25", "nginx", "1.25", None),
        ("nginx:latest", "nginx", "latest", None),
        ("library/nginx:1.25.3-alpine", "library/nginx", "1.25.3-alpine", None),
        ("docker.io/library/nginx:1.25", "docker.io/library/nginx", "1.25", None),
        ("docker.io/nginx", "docker.io/nginx", None, None),
        # a colon before the last slash is a registry port, not a tag
        ("registry:5000/app", "registry:5000/app", None, None),
        ("registry:5000/app:1.0", "registry:5000/app", "1.0", None),
        ("registry:5000/team/app", "registry:5000/team/app", None, None),
        ("localhost:5000/team/sub/app:v2", "localhost:5000/team/sub/app", "v2", None),
        ("registry.example.com:443/a/b/c:tag_1.0", "registry.example.com:443/a/b/c", "tag_1.0", None),
        ("[::1]:5000/app", "[::1]:5000/app", None, None),
        ("[::1]:5000/app:1.0", "[::1]:5000/app", "1.0", None),
        # digests, with and without tags
        (f"app@{DIGEST}", "app", None, DIGEST),
        (f"app:1.2@{DIGEST}", "app", "1.2", DIGEST),
        (f"app:latest@{DIGEST}", "app", "latest", DIGEST),
        (f"registry:5000/app@{DIGEST}", "registry:5000/app", None, DIGEST),
        (f"registry:5000/team/app:1.4.2@{DIGEST}", "registry:5000/team/app", "1.4.2", DIGEST),
        ("ghcr.io/org/app@sha512:abc", "ghcr.io/org/app", None, "sha512:abc"),
        # tags that look like other things
        ("ghcr.io/org/app:v1.2.3-rc.1", "ghcr.io/org/app", "v1.2.3-rc.1", None),
        ("quay.io/org/app:5000", "quay.io/org/app", "5000", None),
        ("app:LATEST", "app", "LATEST", None),
        # empty parts count as absent
        ("app:", "app", None, None),
        ("app@", "app", None, None),
        ("registry:5000/app:", "registry:5000/app", None, None),
    ],
)
def test_parse_image(reference, name, tag, digest):
    assert parse_image(reference) == ImageRef(name=name, tag=tag, digest=digest)
