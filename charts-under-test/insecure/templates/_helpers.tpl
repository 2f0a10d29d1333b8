{{/* The pinned image. */}}
{{- define "insecure.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{/* A pod securityContext that passes every rule. */}}
{{- define "insecure.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* A container securityContext that passes every rule. */}}
{{- define "insecure.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end }}

{{/* Requests and a memory limit. */}}
{{- define "insecure.resources" -}}
requests:
  cpu: 50m
  memory: 64Mi
limits:
  memory: 128Mi
{{- end }}
