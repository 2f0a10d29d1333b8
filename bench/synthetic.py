"""Build a large, realistic rendered stream: the workloads and companions a big platform ships."""

from __future__ import annotations

import random

_DEPLOYMENT = """\
---
# Source: {chart}/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/instance: release-{n}
    app.kubernetes.io/version: "1.{n}.0"
    app.kubernetes.io/managed-by: Helm
    helm.sh/chart: {chart}-0.{n}.0
  annotations:
    deployment.kubernetes.io/revision: "3"
spec:
  replicas: {replicas}
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
      app.kubernetes.io/instance: release-{n}
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        app.kubernetes.io/instance: release-{n}
      annotations:
        checksum/config: "{checksum}"
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      serviceAccountName: {name}
{pod_security}      initContainers:
        - name: migrate
          image: registry.example.com:5000/{chart}/migrate:{tag}
          command: ["/bin/migrate", "--database-url=$(DATABASE_URL)", "--timeout=120s"]
          env:
            - name: DATABASE_URL
              valueFrom: {{secretKeyRef: {{name: {name}-db, key: url}}}}
{container_security}      containers:
        - name: app
          image: registry.example.com:5000/{chart}/app:{tag}
          imagePullPolicy: IfNotPresent
          args: ["--port=8080", "--metrics-port=9090", "--log-level=info", "--config=/etc/app/config.yaml"]
          ports:
            - {{name: http, containerPort: 8080, protocol: TCP}}
            - {{name: metrics, containerPort: 9090, protocol: TCP}}
          env:
            - {{name: APP_ENV, value: production}}
            - {{name: APP_REGION, value: eu-west-1}}
            - {{name: FEATURE_FLAGS, value: "search,checkout,recommendations,ab-testing"}}
            - name: POD_NAME
              valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}
          livenessProbe:
            httpGet: {{path: /healthz, port: http}}
            initialDelaySeconds: 10
            periodSeconds: 10
          readinessProbe:
            httpGet: {{path: /ready, port: http}}
            periodSeconds: 5
{resources}{container_security}          volumeMounts:
            - {{name: config, mountPath: /etc/app, readOnly: true}}
            - {{name: cache, mountPath: /var/cache/app}}
        - name: proxy
          image: envoyproxy/envoy:{proxy_tag}
          args: ["-c", "/etc/envoy/envoy.yaml", "--service-cluster", "{name}"]
          ports:
            - {{name: proxy, containerPort: 15001}}
{container_security}      volumes:
        - name: config
          configMap: {{name: {name}-config}}
        - name: cache
          emptyDir: {{sizeLimit: 1Gi}}
"""

_CONFIGMAP = """\
---
# Source: {chart}/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  labels:
    app.kubernetes.io/name: {name}
data:
  config.yaml: |
    server:
      port: 8080
      timeout: 30s
    database:
      pool: {{min: 2, max: 20}}
    cache:
      ttl: 300
      size: 10000
    features: [search, checkout, recommendations]
"""

_SERVICE = """\
---
# Source: {chart}/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: {name}
spec:
  type: ClusterIP
  ports:
    - {{port: 80, targetPort: http, protocol: TCP, name: http}}
  selector:
    app.kubernetes.io/name: {name}
"""

_POD_SECURITY = """\
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
"""

_CONTAINER_SECURITY = """\
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
"""

_RESOURCES = """\
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {memory: 512Mi}
"""


def synthetic_stream(target_bytes: int, seed: int = 7) -> tuple[str, int]:
    """A stream of about ``target_bytes``: (text, number of objects). Half the workloads are hardened."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = objects = 0
    n = 0
    while size < target_bytes:
        n += 1
        hardened = n % 2 == 0
        fields = {
            "chart": f"service-{n % 97}",
            "name": f"service-{n}",
            "n": n,
            "replicas": rng.randint(1, 5),
            "checksum": f"{rng.getrandbits(128):032x}",
            "tag": f"1.{n % 40}.{n % 7}" if n % 11 else "latest",
            "proxy_tag": "v1.31.2",
            "pod_security": _POD_SECURITY if hardened else "",
            "container_security": _CONTAINER_SECURITY if hardened else "",
            "resources": _RESOURCES if hardened or n % 3 == 0 else "",
        }
        for template in (_DEPLOYMENT, _CONFIGMAP, _SERVICE):
            text = template.format(**fields)
            parts.append(text)
            size += len(text)
            objects += 1
    return "".join(parts), objects


# --- a stream shaped like real charts: mostly CRDs, config and RBAC, a minority of workloads ---

_WORDS = (
    "the field of a resource that selects specifies which pods controller cluster value when set "
    "must be defaults to optional list of names for this object container volume endpoint label "
    "secret key reference namespace scheduling policy is used by admission webhook template spec"
).split()

_CRD_HEAD = """\
---
# Source: {chart}/crds/{plural}.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.1
  name: {plural}.{group}
spec:
  group: {group}
  names:
    kind: {kind}
    listKind: {kind}List
    plural: {plural}
    singular: {singular}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {{}}
    schema:
      openAPIV3Schema:
        description: {description}
        type: object
        properties:
"""

_CONFIG_FILE_MAP = """\
---
# Source: {chart}/templates/dashboards.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-dashboards
  namespace: monitoring
  labels:
    grafana_dashboard: "1"
    app.kubernetes.io/name: {name}
data:
  {name}.json: |-
{json}
  entrypoint.sh: |
    #!/bin/sh
    set -eu
    exec /usr/bin/{name} --config=/etc/{name}/config.yaml "$@"
"""

_RBAC = """\
---
# Source: {chart}/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
  namespace: monitoring
---
# Source: {chart}/templates/clusterrole.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {name}
rules:
  - apiGroups: [""]
    resources: [pods, services, endpoints, configmaps, secrets]
    verbs: [get, list, watch]
  - apiGroups: [apps]
    resources: [deployments, statefulsets, daemonsets]
    verbs: [get, list, watch, update, patch]
  - apiGroups: [{group}]
    resources: ["*"]
    verbs: ["*"]
---
# Source: {chart}/templates/clusterrolebinding.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {name}
subjects:
  - kind: ServiceAccount
    name: {name}
    namespace: monitoring
"""


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _schema(rng: random.Random, indent: int, depth: int, budget: list[int], out: list[str]) -> None:
    """OpenAPI properties at ``indent``, as controller-gen writes them, until ``budget`` runs out."""
    pad = " " * indent
    for _ in range(rng.randint(2, 7)):
        if budget[0] <= 0:
            return
        name = rng.choice(_WORDS) + rng.choice(_WORDS).capitalize()
        start = len(out)
        out.append(f"{pad}{name}:\n")
        if rng.random() < 0.5:
            out.append(f"{pad}  description: |-\n")
            for _ in range(rng.randint(1, 4)):
                out.append(f"{pad}    {_sentence(rng, rng.randint(6, 16))}\n")
        else:
            out.append(f"{pad}  description: {_sentence(rng, rng.randint(4, 12))}\n")
        roll = rng.random()
        if depth < 6 and roll < 0.35:
            out.append(f"{pad}  type: object\n{pad}  properties:\n")
            _schema(rng, indent + 4, depth + 1, budget, out)
        elif depth < 6 and roll < 0.5:
            out.append(f"{pad}  type: array\n{pad}  items:\n{pad}    type: object\n{pad}    properties:\n")
            _schema(rng, indent + 6, depth + 1, budget, out)
        elif roll < 0.6:
            out.append(f"{pad}  type: string\n{pad}  enum:\n{pad}  - Always\n{pad}  - IfNotPresent\n{pad}  - Never\n")
        elif roll < 0.8:
            out.append(f"{pad}  type: integer\n{pad}  format: int32\n{pad}  minimum: 0\n")
        else:
            out.append(f"{pad}  type: string\n{pad}  x-kubernetes-int-or-string: true\n")
        budget[0] -= sum(len(piece) for piece in out[start:])


def _crd(rng: random.Random, n: int, chart: str, size: int) -> str:
    kind = f"Widget{n}"
    out = [_CRD_HEAD.format(chart=chart, plural=f"widget{n}s", singular=f"widget{n}", kind=kind,
                            group=f"{chart}.example.com", description=_sentence(rng, 12))]
    _schema(rng, 10, 0, [size], out)
    return "".join(out)


def _dashboard_json(rng: random.Random, panels: int) -> str:
    lines = ['    {', '      "title": "Service overview",', '      "panels": [']
    for index in range(panels):
        lines += ['        {', f'          "id": {index},', '          "type": "timeseries",',
                  f'          "title": "{_sentence(rng, 4)}",',
                  f'          "targets": [{{"expr": "sum(rate(http_requests_total{{job=\\"svc-{index}\\"}}[5m]))"}}]',
                  '        },']
    lines += ['        {"id": -1}', '      ]', '    }']
    return "\n".join(lines)


def chart_shaped_stream(target_bytes: int, seed: int = 11) -> tuple[str, int, float]:
    """A stream shaped like real charts: (text, objects, share of the bytes in workloads).

    Most bytes are CustomResourceDefinitions with OpenAPI schemas; then ConfigMaps with embedded
    files, RBAC, Services; a minority are workloads, half of them hardened.
    """
    rng = random.Random(seed)
    parts: list[str] = []
    size = objects = workload_bytes = 0
    n = 0
    while size < target_bytes:
        n += 1
        chart = f"operator-{n % 53}"
        name = f"operator-{n}"
        hardened = n % 2 == 0
        pieces = [
            _crd(rng, n, chart, rng.randint(10_000, 100_000)),
            _CONFIG_FILE_MAP.format(chart=chart, name=name, json=_dashboard_json(rng, rng.randint(5, 30))),
            _RBAC.format(chart=chart, name=name, group=f"{chart}.example.com"),
            _SERVICE.format(chart=chart, name=name),
        ]
        workload = _DEPLOYMENT.format(
            chart=chart, name=name, n=n, replicas=rng.randint(1, 3), checksum=f"{rng.getrandbits(128):032x}",
            tag=f"2.{n % 30}.0", proxy_tag="v1.31.2",
            pod_security=_POD_SECURITY if hardened else "",
            container_security=_CONTAINER_SECURITY if hardened else "",
            resources=_RESOURCES if hardened or n % 3 == 0 else "",
        )
        pieces.append(workload)
        for piece in pieces:
            parts.append(piece)
            size += len(piece)
            objects += piece.count("\n---\n") + 1
        workload_bytes += len(workload)
    return "".join(parts), objects, workload_bytes / size


def filled_stream(target_bytes: int, seed: int = 13) -> tuple[str, int]:
    """A stream of workloads that all need a fill: (text, number of objects)."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = n = 0
    while size < target_bytes:
        n += 1
        text = _DEPLOYMENT.format(
            chart=f"service-{n % 97}", name=f"service-{n}", n=n, replicas=rng.randint(1, 5),
            checksum=f"{rng.getrandbits(128):032x}", tag=f"1.{n % 40}.{n % 7}", proxy_tag="v1.31.2",
            pod_security="", container_security="", resources="",
        )
        parts.append(text)
        size += len(text)
    return "".join(parts), n


def small_chart_render(seed: int = 5) -> str:
    """About 15 kB, as a small chart renders: a CRD, config, RBAC, a Service and three workloads."""
    rng = random.Random(seed)
    chart, name = "small", "small-app"
    parts = [
        _crd(rng, 1, chart, 1_000),
        _CONFIG_FILE_MAP.format(chart=chart, name=name, json=_dashboard_json(rng, 6)),
        _RBAC.format(chart=chart, name=name, group=f"{chart}.example.com"),
        _SERVICE.format(chart=chart, name=name),
    ]
    for n, hardened in ((1, True), (2, False), (3, True)):
        parts.append(_DEPLOYMENT.format(
            chart=chart, name=f"{name}-{n}", n=n, replicas=2, checksum=f"{rng.getrandbits(128):032x}",
            tag="2.1.0", proxy_tag="v1.31.2", pod_security=_POD_SECURITY if hardened else "",
            container_security=_CONTAINER_SECURITY if hardened else "", resources=_RESOURCES if hardened else "",
        ))
    return "".join(parts)
