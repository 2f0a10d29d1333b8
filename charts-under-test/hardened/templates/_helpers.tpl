{{- define "hardened.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{/* Non-root with explicit IDs, under the runtime's default seccomp and AppArmor profiles. */}}
{{- define "hardened.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.uid }}
runAsGroup: {{ .Values.gid }}
fsGroup: {{ .Values.gid }}
seccompProfile:
  type: RuntimeDefault
appArmorProfile:
  type: RuntimeDefault
{{- end }}

{{- define "hardened.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end }}

{{/* Scratch space for a read-only root filesystem. */}}
{{- define "hardened.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end }}

{{- define "hardened.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}
