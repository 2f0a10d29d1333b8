"""Tell helm's values flags apart from the rest of a ``helm template`` command line.

Probing renders a chart with values of its own making; it must drop the user's values flags
(their effect is already in the values it passes) and keep every other flag as it was given
(``--kube-version``, ``--namespace``, a release name, ``--api-versions``, …). Nothing here
interprets a flag's value: helm still reads all of them.
"""

from __future__ import annotations

from helm_harden.records import record

# helm template's flags that set values, each followed by one argument (or given as --flag=value).
VALUES_FLAGS = frozenset(
    {"-f", "--values", "--set", "--set-string", "--set-file", "--set-json", "--set-literal"}
)
# Flags of helm template that take an argument and are not values flags: their argument must not
# be mistaken for a positional (the release name) or a values flag.
_FLAGS_WITH_ARGUMENT = frozenset({
    "--api-versions", "-a", "--kube-version", "--namespace", "-n", "--name-template", "--output-dir",
    "--post-renderer", "--post-renderer-args", "--repo", "--version", "--username", "--password",
    "--ca-file", "--cert-file", "--key-file", "--keyring", "--description", "--timeout", "--show-only", "-s",
    "--release-name", "--kube-context", "--kubeconfig", "--registry-config", "--repository-cache",
    "--repository-config", "--burst-limit", "--qps", "--kube-apiserver", "--kube-as-user", "--kube-as-group",
    "--kube-ca-file", "--kube-token", "--kube-tls-server-name", "--labels", "--wait-for-jobs",
})


@record(frozen=True)
class HelmFlags:
    values: tuple[str, ...]  # the values flags with their arguments, in the order given
    other: tuple[str, ...]  # everything else, in the order given

    @property
    def all(self) -> list[str]:
        return [*self.other, *self.values]


def split_values_flags(args: list[str] | tuple[str, ...]) -> HelmFlags:
    values: list[str] = []
    other: list[str] = []
    pending: list[str] | None = None  # where the next argument goes, after a flag that takes one
    for arg in args:
        if pending is not None:
            pending.append(arg)
            pending = None
            continue
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name in VALUES_FLAGS or (arg.startswith("-f") and not arg.startswith("--") and len(arg) > 2):
            values.append(arg)
            if "=" not in arg and arg in VALUES_FLAGS:
                pending = values
            continue
        other.append(arg)
        if arg in _FLAGS_WITH_ARGUMENT:
            pending = other
    return HelmFlags(tuple(values), tuple(other))
