"""Record classes: what `dataclasses.dataclass` makes of a class, at a tenth of its start-up cost.

Every command loads two dozen record classes (findings, pods, patches, the config...). Made by
dataclasses, each costs 0.3 to 1 ms as its module is imported, because every method of every
class is written out as source and compiled, and importing dataclasses brings inspect along:
together a fifth of a small ``check``, and of every ``helm install`` with the post-renderer. Here
a class gets one compiled method, ``__init__`` (a large scan makes findings by the ten thousand, so
it is written out as dataclasses writes it); repr, equality, hashing, the frozen guard and pickling
are shared by every record.

`record` takes the parameters of `dataclasses.dataclass` that this package uses (``frozen``,
``slots``, ``eq``) and means by them what dataclasses does; `field` takes ``default``,
``default_factory`` and ``repr``; `replace` is `dataclasses.replace`. Fields are the class's
annotations, in order, after those of the records it derives from; a field with a default is an
optional argument. A method the class defines itself (``__repr__``, ``__eq__``) is kept.
"""

from __future__ import annotations

from operator import attrgetter
from reprlib import recursive_repr

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (as `dataclasses.FrozenInstanceError`)."""


class _Field:
    __slots__ = ("default", "default_factory", "repr")

    def __init__(self, default, default_factory, repr):
        self.default, self.default_factory, self.repr = default, default_factory, repr


def field(*, default=_MISSING, default_factory=_MISSING, repr: bool = True):
    """A field's default (a value, or a function called for each record) and whether repr shows it."""
    return _Field(default, default_factory, repr)


def record(cls=None, /, *, frozen: bool = False, slots: bool = False, eq: bool = True):
    """Make ``cls`` a record class: ``@record`` or ``@record(frozen=True, slots=True)``."""

    def make(cls):
        return _make(cls, frozen, slots, eq)

    return make if cls is None else make(cls)


def replace(obj, **changes):
    """A copy of the record ``obj`` with some fields changed."""
    values = {name: getattr(obj, name) for name in obj._record_fields}
    values.update(changes)
    return obj.__class__(**values)


def _make(cls, frozen: bool, slots: bool, eq: bool):
    fields, own = _fields_of(cls)
    methods = _methods(cls, fields, frozen, eq)
    if slots:
        return _made_again_with_slots(cls, fields, own, methods)
    for name, value in methods.items():
        setattr(cls, name, value)
    for name in own:  # as dataclasses leaves them: a default is readable on the class
        if fields[name].default is not _MISSING:
            setattr(cls, name, fields[name].default)
        elif name in cls.__dict__:
            delattr(cls, name)
    return cls


def _fields_of(cls) -> tuple[dict[str, _Field], list[str]]:
    """Every field of the class (those of the records it derives from first) and its own names."""
    fields: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):  # a field declared again keeps its place, as in dataclasses
        fields.update(getattr(base, "_record_specs", {}))
    own = []
    for name, annotation in _annotations(cls).items():
        if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
            continue
        declared = cls.__dict__.get(name, _MISSING)
        declared = declared if isinstance(declared, _Field) else _Field(declared, _MISSING, True)
        if isinstance(declared.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(declared.default)} for field {name} is not allowed: "
                             "use default_factory")
        fields[name] = declared
        own.append(name)
    return fields, own


def _methods(cls, fields: dict[str, _Field], frozen: bool, eq: bool) -> dict:
    """What the record class gets, leaving alone what the class defines itself."""
    names = tuple(fields)
    methods = {
        "_record_fields": names,
        "_record_specs": fields,
        "_record_values": staticmethod(_values_of(names)),
        "_record_shown": tuple(name for name, declared in fields.items() if declared.repr),
        "__match_args__": names,
        "__init__": _init(cls, names, fields, frozen),
    }
    if "__repr__" not in cls.__dict__:
        methods["__repr__"] = _repr
    if eq and "__eq__" not in cls.__dict__:
        methods["__eq__"] = _eq
        if cls.__dict__.get("__hash__") is None:
            methods["__hash__"] = _hash if frozen else None  # as dataclasses: a mutable record is unhashable
    if frozen:
        methods["__setattr__"], methods["__delattr__"] = _frozen_setattr, _frozen_delattr
    if cls.__doc__ is None:
        methods["__doc__"] = f"{cls.__name__}({', '.join(names)})"
    return methods


def _made_again_with_slots(cls, fields: dict[str, _Field], own: list[str], methods: dict):
    """A class's slots are fixed when it is made: make it again, with them (as dataclasses does)."""
    inherited = {name for base in cls.__mro__[1:] for name in getattr(base, "_record_fields", ())}  # slotted there
    namespace = {key: value for key, value in cls.__dict__.items()
                 if key not in own and key not in ("__dict__", "__weakref__")}
    namespace.update(methods, __slots__=tuple(name for name in own if name not in inherited))
    namespace["__getstate__"], namespace["__setstate__"] = _getstate, _setstate
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    return made


def _annotations(cls) -> dict:
    annotations = cls.__dict__.get("__annotations__")
    if annotations is None and "__annotate__" in cls.__dict__:  # Python 3.14's deferred annotations
        annotations = cls.__annotations__
    return annotations or {}


def _values_of(names: tuple):
    """The record's field values as a tuple (``attrgetter`` gives a lone field's bare value)."""
    if len(names) == 1:
        [name] = names
        return lambda record: (getattr(record, name),)
    return attrgetter(*names) if names else (lambda record: ())


def _init(cls, names: tuple, fields: dict, frozen: bool):
    """``__init__``, compiled: one assignment a field, as dataclasses writes it."""
    parameters, lines = [], []
    defaulted = None
    for name in names:
        declared = fields[name]
        if declared.default_factory is not _MISSING:
            parameters.append(f"{name}=_MISSING")
            value = f"_fields[{name!r}].default_factory() if {name} is _MISSING else {name}"
            defaulted = name
        elif declared.default is not _MISSING:
            parameters.append(f"{name}=_fields[{name!r}].default")
            value, defaulted = name, name
        elif defaulted is not None:
            raise TypeError(f"non-default argument {name!r} follows default argument {defaulted!r}")
        else:
            parameters.append(name)
            value = name
        lines.append(f"_setattr(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    source = f"def __init__(self, {', '.join(parameters)}):\n    " + ("\n    ".join(lines) or "pass") + "\n"
    scope = {"_fields": fields, "_MISSING": _MISSING, "_setattr": object.__setattr__}
    exec(source, scope)  # noqa: S102 - source built here from field names only
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


@recursive_repr()
def _repr(self) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
    return f"{self.__class__.__qualname__}({shown})"


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self._record_values(self) == self._record_values(other)


def _hash(self) -> int:
    return hash(self._record_values(self))


def _frozen_setattr(self, name, value):
    if _frozen(self, name):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    object.__setattr__(self, name, value)


def _frozen_delattr(self, name):
    if _frozen(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")
    object.__delattr__(self, name)


def _frozen(self, name: str) -> bool:
    # A class derived from a frozen record without being one itself may add attributes of its
    # own, as dataclasses allows; the record's fields stay as they are.
    return "_record_fields" in type(self).__dict__ or name in self._record_fields


def _getstate(self):
    return self._record_values(self)


def _setstate(self, state) -> None:
    for name, value in zip(self._record_fields, state):
        object.__setattr__(self, name, value)
