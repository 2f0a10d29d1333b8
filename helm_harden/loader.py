"""The YAML loader for Kubernetes objects: libyaml's, reading values as Kubernetes reads them."""

from __future__ import annotations

from typing import Any

import yaml

try:  # libyaml is several times faster; fall back to pure Python where it is not built.
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

# YAML 1.1 types that Kubernetes does not have: its decoder reads these as strings, and PyYAML's
# versions fail on input Kubernetes accepts ("2023-02-29" raises, a lone "=" has no constructor).
_KUBERNETES_STRINGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}


class KubernetesLoader(_BaseLoader):
    """libyaml's safe loader, with scalars typed as Kubernetes types them."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _KUBERNETES_STRINGS]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


def _untagged(loader: KubernetesLoader, suffix: str, node: yaml.Node) -> Any:
    """An application tag (``!something``) means nothing to Kubernetes' JSON: read the value as untagged."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


KubernetesLoader.add_multi_constructor("!", _untagged)
