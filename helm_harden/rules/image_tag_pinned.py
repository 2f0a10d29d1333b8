"""Images are pinned: a tag other than ``latest``, best a digest.

Fails when an image has no tag or the tag ``latest`` (a digest pins it whatever the tag),
or, with ``require_digest``, when it has no ``@sha256:`` digest. A floating tag makes every
restart a possible upgrade and makes the manifest say nothing about what runs. Note that
``registry:5000/app`` has no tag: the colon belongs to the registry's port.

Options:

- ``require_digest`` (default false): require ``@sha256:…`` on every image.

No fix: only the chart knows which version it means.

Passes:

    image: registry:5000/app:1.4.2@sha256:0d1f…

Fails:

    image: nginx:latest
"""

from helm_harden.images import parse_image
from helm_harden.rules.base import RuleContext, Severity, Violation

ID = "image-tag-pinned"
SEVERITY = Severity.WARNING
FIX = None
SUMMARY = "Images are pinned to a tag other than latest, or to a digest."
OPTIONS = {"require_digest": False}
SCOPE = "container"
LINUX_ONLY = False


def check(pod, container, context: RuleContext):
    image = container.data.get("image")
    if not isinstance(image, str) or not image:
        return
    ref = parse_image(image)
    path = container.path + ("image",)
    if context.options["require_digest"] and not (ref.digest or "").startswith("sha256:"):
        yield Violation(path, f"image {image} is not pinned to a sha256 digest")
    elif ref.digest:
        return
    elif ref.tag is None:
        yield Violation(path, f"image {image} has no tag, so it means latest")
    elif ref.tag == "latest":
        yield Violation(path, f"image {image} uses the floating tag latest")
