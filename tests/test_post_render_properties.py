"""Property tests of post-render over generated streams.

Hypothesis builds workloads of every pod-bearing kind with random subsets of pod- and
container-level securityContext settings (explicit true/false/0 values among them), init and
ephemeral containers, and mixes them with ConfigMaps full of tricky scalars, Secrets, empty and
comment-only documents and ``# Source:`` comments. Each stream is written with PyYAML in a
randomly chosen style, then hardened through `Engine.harden` (and, for a share of the examples,
through the ``post-render`` command). The invariants:

- every document comes out, in order, with its ``# Source:`` line;
- a document that needs no fix comes out byte for byte;
- no fixable finding remains afterwards, and hardening twice equals hardening once;
- the output is the input plus additions: every leaf of the input is still there, at the same
  path, with the same value and type;
- no fix sets ``allowPrivilegeEscalation: false`` where the API rejects it.
"""

from __future__ import annotations

import string

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helm_harden.cli import main
from helm_harden.config import default_config
from helm_harden.engine import Engine
from helm_harden.manifest import parse_documents
from helm_harden.workload import pods_in

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- values -------------------------------------------------------------------------------

# Strings that YAML 1.1 or 1.2 would read as something else when unquoted, and strings that
# need quoting or escapes for other reasons.
TRICKY_STRINGS = [
    "on", "off", "yes", "no", "y", "n", "Y", "N", "true", "false", "True", "FALSE", "null", "Null",
    "~", "", " ", "0644", "0o17", "0x1F", "0b101", "1e3", "1E3", "1.0e+3", ".5", "1.", "+1", "-0",
    "1_000", "1:20", "12:30:45", ".inf", "-.Inf", ".nan", "2024-01-01", "2023-02-29",
    "2024-01-01T10:00:00Z", "=", "<<", "-", "--", "---", "...", "--- x", "- item", "? key",
    ": value", "key: value", "#not a comment", "a #b", "@at", "`tick", "!tag", "%percent", "&anchor",
    "*alias", "|", ">", "[1, 2]", "{a: 1}", "'single'", '"double"', "back\\slash", "tab\there",
    "line1\nline2", "line1\nline2\n", "trailing\n\n", "  leading spaces", "trailing spaces  ",
    "ünïcödé ✓", "emoji 🚀", "\u2028separator", "crlf\r\nline", "a" * 250,
    " ".join(["word"] * 60),
]

SCALAR_TEXT = st.one_of(
    st.sampled_from(TRICKY_STRINGS),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
        | st.sampled_from("\n\t"),
        max_size=40,
    ),
)

OTHER_SCALARS = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=True, width=64),
    st.booleans(),
    st.none(),
)

NAME = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12).map(lambda s: "x" + s)
IMAGE = st.sampled_from(["app:1.0", "app", "app:latest", "registry:5000/app", "app@sha256:" + "a" * 64])


def maybe(strategy):
    return st.one_of(st.none(), strategy)


def subset_dict(**fields):
    """A mapping holding a random subset of ``fields`` (each a strategy)."""
    return st.fixed_dictionaries({}, optional=fields)


PROFILE = st.one_of(
    st.just({}),
    st.sampled_from([{"type": "RuntimeDefault"}, {"type": "Unconfined"}]),
    st.just({"type": "Localhost", "localhostProfile": "profiles/app.json"}),
)
IDS = st.sampled_from([0, 1, 70, 1000, 10001, 65534])

CAPABILITIES = subset_dict(
    drop=st.lists(st.sampled_from(["ALL", "all", "NET_RAW", "MKNOD"]), max_size=3, unique=True),
    add=st.lists(st.sampled_from(["NET_BIND_SERVICE", "SYS_ADMIN", "NET_ADMIN", "CAP_SYS_ADMIN"]), max_size=2, unique=True),
)

CONTAINER_SECURITY_CONTEXT = subset_dict(
    privileged=st.booleans(),
    runAsUser=IDS,
    runAsGroup=IDS,
    runAsNonRoot=st.booleans(),
    allowPrivilegeEscalation=st.booleans(),
    readOnlyRootFilesystem=st.booleans(),
    capabilities=CAPABILITIES,
    seccompProfile=PROFILE,
    appArmorProfile=PROFILE,
    seLinuxOptions=subset_dict(type=st.sampled_from(["container_t", "spc_t"]), level=st.just("s0:c1,c2")),
)

POD_SECURITY_CONTEXT = subset_dict(
    runAsUser=IDS,
    runAsGroup=IDS,
    runAsNonRoot=st.booleans(),
    fsGroup=IDS,
    seccompProfile=PROFILE,
    appArmorProfile=PROFILE,
    seLinuxOptions=subset_dict(type=st.sampled_from(["container_t", "spc_t"]), user=st.just("system_u")),
)

QUANTITY = st.sampled_from(["100m", "1", "0.5", "128Mi", "1Gi", 2, 0.25])
RESOURCES = subset_dict(
    requests=subset_dict(cpu=QUANTITY, memory=QUANTITY),
    limits=subset_dict(cpu=QUANTITY, memory=QUANTITY),
)

ENV = st.lists(
    st.fixed_dictionaries({"name": NAME, "value": st.one_of(SCALAR_TEXT, st.sampled_from(TRICKY_STRINGS))}),
    max_size=3,
)


@st.composite
def containers(draw, field: str, count: int):
    result = []
    for index in range(count):
        container = {"name": f"{field.lower()}-{index}", "image": draw(IMAGE)}
        extra = draw(
            subset_dict(
                securityContext=CONTAINER_SECURITY_CONTEXT,
                resources=RESOURCES,
                env=ENV,
                args=st.lists(SCALAR_TEXT, max_size=3),
                volumeMounts=st.sampled_from(
                    [[{"name": "scratch", "mountPath": "/tmp"}], [{"name": "data", "mountPath": "/data"}], []]
                ),
            )
        )
        container.update(extra)
        result.append(container)
    return result


@st.composite
def pod_specs(draw):
    spec = {"containers": draw(containers("containers", draw(st.integers(1, 3))))}
    init = draw(st.integers(0, 2))
    if init:
        spec["initContainers"] = draw(containers("initContainers", init))
    if draw(st.booleans()):
        spec["ephemeralContainers"] = draw(containers("ephemeralContainers", 1))
    spec.update(
        draw(
            subset_dict(
                securityContext=POD_SECURITY_CONTEXT,
                volumes=st.just([{"name": "scratch", "emptyDir": {}}, {"name": "data", "emptyDir": {}}]),
                restartPolicy=st.sampled_from(["Always", "OnFailure", "Never"]),
                terminationGracePeriodSeconds=st.integers(0, 120),
                hostNetwork=st.booleans(),
            )
        )
    )
    return spec


@st.composite
def pod_metadata(draw):
    metadata = {}
    annotations = draw(
        subset_dict(
            **{
                "note": SCALAR_TEXT,
                "container.apparmor.security.beta.kubernetes.io/containers-0": st.sampled_from(
                    ["unconfined", "runtime/default"]
                ),
                "seccomp.security.alpha.kubernetes.io/pod": st.sampled_from(["unconfined", "runtime/default"]),
            }
        )
    )
    if annotations:
        metadata["annotations"] = annotations
    if draw(st.booleans()):
        metadata["labels"] = {"app.kubernetes.io/name": draw(NAME), "tricky": draw(st.sampled_from(TRICKY_STRINGS))}
    return metadata


WORKLOAD_KINDS = {
    "Pod": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "ReplicationController": "v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "PodTemplate": "v1",
}


@st.composite
def workloads(draw):
    kind = draw(st.sampled_from(sorted(WORKLOAD_KINDS)))
    name = draw(NAME)
    metadata = {"name": name}
    if draw(st.booleans()):
        metadata["namespace"] = draw(NAME)
    if draw(st.booleans()):
        metadata["annotations"] = {
            "helm.sh/hook": "pre-install,pre-upgrade",
            "helm.sh/hook-weight": "-5",
            "postrenderer.helm.sh/postrender-filename": f"chart/templates/{name}.yaml",
        }
    template = {"spec": draw(pod_specs())}
    template_metadata = draw(pod_metadata())
    if template_metadata:
        template["metadata"] = template_metadata
    obj = {"apiVersion": WORKLOAD_KINDS[kind], "kind": kind, "metadata": metadata}
    if kind == "Pod":
        obj["metadata"].update(template.get("metadata", {}))
        obj["metadata"]["name"] = name
        obj["spec"] = template["spec"]
    elif kind == "PodTemplate":
        obj["template"] = template
    elif kind == "CronJob":
        obj["spec"] = {"schedule": draw(st.sampled_from(["0 3 * * *", "*/5 * * * *"])), "jobTemplate": {"spec": {"template": template}}}
    else:
        obj["spec"] = {"template": template}
        if kind != "Job":
            obj["spec"]["replicas"] = draw(st.integers(0, 5))
    return obj


@st.composite
def config_maps(draw):
    data = draw(st.dictionaries(NAME, SCALAR_TEXT, max_size=6))
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": draw(NAME)}, "data": data}
    if draw(st.booleans()):
        obj["binaryData"] = {"blob": "AAEC"}
    if draw(st.booleans()):
        obj["metadata"]["annotations"] = {"other": draw(st.one_of(SCALAR_TEXT, OTHER_SCALARS.map(str)))}
    return obj


@st.composite
def secrets(draw):
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": draw(NAME)},
        "type": "Opaque",
        "data": {"password": "c2VjcmV0LXZhbHVl"},
        "stringData": draw(st.dictionaries(NAME, SCALAR_TEXT, min_size=1, max_size=3)),
    }


OBJECTS = st.one_of(workloads(), workloads(), config_maps(), secrets())

DUMP_STYLES = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([False, None]),
        "indent": st.sampled_from([2, 3, 4]),
        "width": st.sampled_from([60, 80, 4096]),
        "sort_keys": st.booleans(),
        "allow_unicode": st.booleans(),
    }
)


@st.composite
def documents(draw):
    """The text of one document (without its separator) and whether it is an object."""
    shape = draw(st.sampled_from(["object"] * 6 + ["empty", "comment"]))
    if shape == "empty":
        return ""
    if shape == "comment":
        return "# only a comment here\n# and another\n"
    text = yaml.safe_dump(draw(OBJECTS), **draw(DUMP_STYLES))
    if draw(st.booleans()):
        text = "# a comment above the object\n" + text
    return text


@st.composite
def streams(draw):
    """A stream of 1-6 documents, Helm 3 style (``---`` and ``# Source:``) or plain."""
    parts = draw(st.lists(documents(), min_size=1, max_size=6))
    helm_style = draw(st.booleans())
    chunks = []
    for index, body in enumerate(parts):
        if helm_style:
            chunks.append(f"---\n# Source: chart/templates/t{index}.yaml\n{body}")
        elif index == 0 and not draw(st.booleans()):
            chunks.append(body if body else "{}\n")  # a first document without a separator
        else:
            chunks.append(f"---\n{body}")
    return "".join(chunks)


# --- helpers ------------------------------------------------------------------------------

ENGINE = Engine(default_config())


def harden_stream(text: str, engine: Engine = ENGINE):
    documents = list(parse_documents(text, "<stdin>"))
    hardened = [engine.harden(document) for document in documents]
    return documents, hardened, "".join(h.text for h in hardened)


def leaves(value, path=()):
    """``(path, value)`` for every scalar and every empty collection."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaves(child, path + (key,))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from leaves(child, path + (index,))
    else:
        yield path, value


MISSING = object()


def at(value, path):
    for key in path:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return MISSING
    return value


def source_line(text: str):
    for line in text.splitlines()[:3]:
        if line.startswith("# Source: "):
            return line
    return None


def finding_key(finding):
    return finding.rule, finding.kind, finding.name, finding.container or "", finding.path


def identity(document):
    data = document.data
    if not isinstance(data, dict):
        return data
    metadata = data.get("metadata") or {}
    return data.get("apiVersion"), data.get("kind"), metadata.get("name")


# --- properties ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(streams())
def test_every_document_comes_out_in_order_and_untouched_ones_byte_for_byte(stream):
    documents, hardened, output = harden_stream(stream)
    after = list(parse_documents(output, "<stdin>"))
    assert [identity(d) for d in after] == [identity(d) for d in documents]
    assert [source_line(d.text) for d in after] == [source_line(d.text) for d in documents]
    for document, result in zip(documents, hardened):
        if not result.changed:
            assert result.text == document.text
        else:
            assert pods_in(document.data), "only workloads change"
            # The separator and leading comment lines are kept as they were.
            head = document.text.split("\n", 1)[0]
            assert result.text.split("\n", 1)[0] == head
    # Documents that need nothing are the same bytes in the joined output too.
    if not any(result.changed for result in hardened):
        assert output == stream


@PROPERTY_SETTINGS
@given(streams())
def test_no_fixable_finding_remains_and_twice_equals_once(stream):
    _, hardened, once = harden_stream(stream)
    remaining = ENGINE.scan("<stdin>", parse_documents(once, "<stdin>")).findings
    assert [f for f in remaining if f.fixable] == []
    # What the scan still reports is exactly what the first pass said it left for a human.
    assert sorted(map(finding_key, remaining)) == sorted(
        finding_key(f) for result in hardened for f in result.remaining
    )
    _, again, twice = harden_stream(once)
    assert twice == once
    assert all(not result.changed for result in again)


@PROPERTY_SETTINGS
@given(streams())
def test_output_is_the_input_plus_additions(stream):
    documents, _, output = harden_stream(stream)
    after = list(parse_documents(output, "<stdin>"))
    for before, result in zip(documents, after):
        for path, value in leaves(before.data):
            found = at(result.data, path)
            assert found is not MISSING, f"{path} disappeared"
            if isinstance(value, (dict, list)):  # an empty collection may be filled, not replaced
                assert type(found) is type(value), path
            else:
                assert type(found) is type(value) and found == value, (path, value, found)


def _adds_sys_admin(context: dict) -> bool:
    capabilities = context.get("capabilities")
    added = capabilities.get("add") if isinstance(capabilities, dict) else None
    return isinstance(added, list) and bool({"SYS_ADMIN", "CAP_SYS_ADMIN"} & set(added))


@PROPERTY_SETTINGS
@given(streams())
def test_fixes_fill_and_never_flip(stream):
    documents, _, output = harden_stream(stream)
    after = list(parse_documents(output, "<stdin>"))
    for before, result in zip(documents, after):
        old_pods = list(pods_in(before.data))
        new_pods = list(pods_in(result.data))
        assert len(old_pods) == len(new_pods)
        for old_pod, new_pod in zip(old_pods, new_pods):
            for old, new in zip(old_pod.containers(), new_pod.containers()):
                assert (old.name, old.field) == (new.name, new.field)
                old_context, new_context = old.security_context, new.security_context
                # Explicit values survive (the additions property checks them too; this names them).
                for key in ("privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsUser", "runAsNonRoot"):
                    if key in old_context:
                        assert new_context[key] == old_context[key], (old.name, key)
                if "capabilities" in old_context and "add" in old_context["capabilities"]:
                    assert new_context["capabilities"]["add"] == old_context["capabilities"]["add"]
                # The API rejects allowPrivilegeEscalation: false on these: never add it there.
                if new_context.get("privileged") is True or _adds_sys_admin(new_context):
                    assert new_context.get("allowPrivilegeEscalation") == old_context.get("allowPrivilegeEscalation")
                # Effective values that were set stay what they were.
                for key in ("runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "appArmorProfile"):
                    value, _ = old.effective(key)
                    if value is not None and value != {}:
                        assert new.effective(key)[0] == value, (old.name, key)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(stream=streams())
def test_post_render_command_matches_the_engine(tmp_path_factory, stream):
    empty_config = tmp_path_factory.getbasetemp() / "empty-config.yaml"
    empty_config.write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["post-render", "--quiet"], input=stream.encode("utf-8"), env={"HELM_HARDEN_CONFIG": str(empty_config)}
    )
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout_bytes.decode("utf-8") == harden_stream(stream)[2]
