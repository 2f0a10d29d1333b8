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
annotations, in order; a field with a default is an optional argument.
"""

from __future__ import annotations

from operator import attrgetter

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
    values = {name: getattr(obj, name) for name in obj.__record_fields__}
    values.update(changes)
    return obj.__class__(**values)


def _make(cls, frozen: bool, slots: bool, eq: bool):
    names = tuple(cls.__dict__.get("__annotations__", {}))
    fields = {}
    for name in names:
        declared = cls.__dict__.get(name, _MISSING)
        fields[name] = declared if isinstance(declared, _Field) else _Field(declared, _MISSING, True)
    namespace = {key: value for key, value in cls.__dict__.items() if key not in fields and key not in ("__dict__", "__weakref__")}
    if slots:
        namespace["__slots__"] = names
    else:
        for name, declared in fields.items():
            if declared.default is not _MISSING:
                namespace[name] = declared.default  # as dataclasses leaves it: readable on the class
    inherited = tuple(name for base in cls.__mro__[1:] for name in getattr(base, "__record_fields__", ()))
    namespace["__record_fields__"] = inherited + names
    namespace["__init__"] = _init(inherited + names, {**_inherited_fields(cls), **fields}, frozen)
    namespace["__repr__"] = _repr
    namespace["__getstate__"], namespace["__setstate__"] = _getstate, _setstate
    if eq:
        namespace["__eq__"] = _eq
        namespace["__hash__"] = _hash if frozen else None  # as dataclasses: a mutable record is unhashable
    if frozen:
        namespace["__setattr__"], namespace["__delattr__"] = _frozen_setattr, _frozen_delattr
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    made._record_values = attrgetter(*made.__record_fields__) if made.__record_fields__ else (lambda self: ())
    made._record_shown = tuple(name for name, declared in {**_inherited_fields(cls), **fields}.items() if declared.repr)
    made.__record_field_specs__ = {**_inherited_fields(cls), **fields}
    return made


def _inherited_fields(cls) -> dict:
    specs: dict = {}
    for base in reversed(cls.__mro__[1:]):
        specs.update(getattr(base, "__record_field_specs__", {}))
    return specs


def _init(names: tuple, fields: dict, frozen: bool):
    """``__init__``, compiled: one assignment a field, as dataclasses writes it."""
    parameters, lines = [], []
    for name in names:
        declared = fields[name]
        if declared.default_factory is not _MISSING:
            parameters.append(f"{name}=_MISSING")
            value = f"_fields[{name!r}].default_factory() if {name} is _MISSING else {name}"
        else:
            parameters.append(name if declared.default is _MISSING else f"{name}=_fields[{name!r}].default")
            value = name
        lines.append(f"_setattr(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    source = f"def __init__(self, {', '.join(parameters)}):\n    " + ("\n    ".join(lines) or "pass") + "\n"
    scope = {"_fields": fields, "_MISSING": _MISSING, "_setattr": object.__setattr__}
    exec(source, scope)  # noqa: S102 - source built here from field names only
    return scope["__init__"]


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
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self):
    return tuple(getattr(self, name) for name in self.__record_fields__)


def _setstate(self, state) -> None:
    for name, value in zip(self.__record_fields__, state):
        object.__setattr__(self, name, value)
