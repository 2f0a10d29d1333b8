"""Run one dry-run install with Helm 4's own code (helm-python-sdk) and print the outcome as JSON.

Usage: python helm4_install.py CHART RELEASE OPTIONS_JSON

helm-python-sdk's Python ``Config.install`` does not expose the post-renderer options, so the
install goes through the package's ``_native.call_string("helm_install", ...)``, the same C call
``Config.install`` makes. Helm reads ``HELM_PLUGINS`` (where it looks for the post-renderer
plugin) when the library loads, so the caller sets the environment and runs this as a process.
Prints ``{"release": {...}}`` (the summary, with the post-rendered ``manifest``) or
``{"error": "...", "type": "..."}``.
"""

import json
import sys

import helm_python
from helm_python import _native


def main() -> None:
    chart, release, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    with helm_python.Config(namespace=options.get("namespace")) as config:
        try:
            summary = _native.call_string(
                "helm_install", config._raw(), _native.HANDLE(0), _native.HANDLE(0), chart, release, None, json.dumps(options)
            )
        except helm_python.HelmError as error:
            print(json.dumps({"error": str(error), "type": type(error).__name__}))
            return
    print(json.dumps({"release": json.loads(summary)}))


if __name__ == "__main__":
    main()
