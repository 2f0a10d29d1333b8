"""helm-harden: check and harden the securityContext of rendered Kubernetes workloads."""

__version__ = "0.1.0"
VERSION_MESSAGE = "%(prog)s, version %(version)s"  # what `helm-harden --version` prints
