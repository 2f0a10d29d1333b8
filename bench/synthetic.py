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
