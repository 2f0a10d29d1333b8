"""`helm_harden.records` makes classes that behave as `dataclasses.dataclass` makes them."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import typing

import pytest

from helm_harden.records import FrozenInstanceError, field, record, replace


def _thing(make, make_field, **parameters):
    """One class body, made by ``make`` (dataclasses' or records' decorator)."""

    @make(**parameters)
    class Thing:
        """A thing."""

        name: str
        size: int = 3
        tags: list = make_field(default_factory=list)
        secret: str | None = make_field(default=None, repr=False)

        @property
        def label(self) -> str:
            return f"{self.name}:{self.size}"

    return Thing


def _pair(**parameters):
    return _thing(dataclasses.dataclass, dataclasses.field, **parameters), _thing(record, field, **parameters)


@pytest.mark.parametrize("parameters", [{}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}, {"eq": False}])
def test_a_record_behaves_as_a_dataclass(parameters):
    made_by_dataclasses, made_here = _pair(**parameters)
    for cls in (made_by_dataclasses, made_here):
        one, two = cls("a", 5, ("x",), "s"), cls(name="a", size=5, tags=("x",), secret="s")
        assert (one.name, one.size, one.tags, one.secret, one.label) == ("a", 5, ("x",), "s", "a:5")
        assert repr(one) == f"{cls.__qualname__}(name='a', size=5, tags=('x',))"
        assert (one == two) is parameters.get("eq", True)
        assert one != cls("b")
        assert cls("a").tags is not cls("a").tags  # a fresh list for each
        assert (cls("a").size, cls("a").secret) == (3, None)
        assert hasattr(one, "__dict__") is not parameters.get("slots", False)
        assert cls.__doc__ == "A thing."
        if parameters.get("frozen"):
            with pytest.raises(AttributeError):
                one.size = 1
            assert hash(one) == hash(two)
        elif parameters.get("eq", True):
            one.size = 1
            assert one.size == 1
            with pytest.raises(TypeError):
                hash(one)
        for kind in (copy.copy, copy.deepcopy):
            again = kind(two)
            assert (again.name, again.size, again.tags, again.secret) == ("a", 5, ("x",), "s")
        with pytest.raises(TypeError):
            cls()  # the field without a default is required
        with pytest.raises(TypeError):
            cls("a", unknown=1)


@record(frozen=True, slots=True)
class Point:
    x: int
    y: int = 0


class NamedPoint(Point):
    def doubled(self) -> int:
        return self.y * 2


@record
class Box:
    content: list = field(default_factory=list)


def test_frozen_records_say_so_and_replace_makes_a_changed_copy():
    point = Point(1, 2)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        point.x = 3
    with pytest.raises(FrozenInstanceError):
        del point.y
    assert replace(point, y=5) == Point(1, 5) and point == Point(1, 2)
    assert {Point(1, 2), Point(1, 2), Point(2, 1)} == {Point(1, 2), Point(2, 1)}


def test_records_survive_pickling_as_a_report_spilled_to_disk_needs():
    for value in (Point(1, 2), NamedPoint(3, 4), Box(["a", Point(0)])):
        assert pickle.loads(pickle.dumps(value)) == value


def test_a_subclass_of_a_record_keeps_its_fields():
    derived = NamedPoint(1, 4)
    assert (derived.x, derived.doubled(), derived == NamedPoint(1, 4), derived == Point(1, 4)) == (1, 8, True, False)


BOTH = pytest.mark.parametrize("make, make_field", [(dataclasses.dataclass, dataclasses.field), (record, field)],
                               ids=["dataclasses", "records"])


@BOTH
def test_fields_come_from_every_record_a_class_derives_from(make, make_field):
    @make(frozen=True, slots=True)
    class A:
        a: int
        shared: int = 1

    @make(frozen=True, slots=True)
    class B(A):
        b: int = 2

    class Plain(B):  # not a record itself
        pass

    @make(frozen=True, slots=True)
    class C(Plain):
        shared: int = 5  # declared again: keeps its place, takes the new default
        c: int = 3

    assert (repr(C(0)), C(0) == C(0), C(0) == C(1), C.__match_args__) == (
        "test_fields_come_from_every_record_a_class_derives_from.<locals>.C(a=0, shared=5, b=2, c=3)", True, False,
        ("a", "shared", "b", "c"))


@BOTH
def test_a_record_keeps_what_its_class_says_itself(make, make_field):
    subclassed = []

    class Base:
        def __init_subclass__(cls, **kwargs):
            super().__init_subclass__(**kwargs)
            subclassed.append(cls.__name__)

        def size(self) -> int:
            return 1

    @make
    class Thing(Base):
        x: int
        limit: typing.ClassVar[int] = 3  # noqa: F821 - a string annotation, never evaluated

        def size(self) -> int:
            return super().size() + self.x

        def __repr__(self) -> str:
            return "a thing"

        def __eq__(self, other) -> bool:
            return True

    assert (Thing(1).size(), repr(Thing(1)), Thing(1) == 5, subclassed, Thing.limit) == (2, "a thing", True, ["Thing"], 3)


@BOTH
def test_what_a_record_refuses_as_its_class_is_made(make, make_field):
    with pytest.raises(ValueError, match="mutable default"):
        @make
        class Shared:
            items: list = []  # noqa: RUF012 - the mistake this refuses

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        @make
        class Misordered:
            a: int = 1
            b: int


@BOTH
def test_copies_and_subclasses_of_records_keep_their_own_attributes(make, make_field):
    @make
    class Open:
        x: int

    @make(frozen=True)
    class Closed:
        x: int

    class Extended(Closed):
        pass

    opened = Open(1)
    opened.extra = "kept"
    extended = Extended(2)
    extended.note = "allowed"  # only the fields of a frozen record are frozen
    assert (copy.copy(opened).extra, pickle.loads(pickle.dumps(Point(3, 4))), extended.note) == ("kept", Point(3, 4), "allowed")
    with pytest.raises(AttributeError):
        extended.x = 5


@BOTH
def test_a_record_shows_itself_when_it_holds_itself_and_compares_a_lone_field_as_a_tuple(make, make_field):
    @make
    class Node:
        child: object = None

    node = Node()
    node.child = node
    nan = float("nan")
    assert (repr(node).endswith("(child=...)"), Node(nan) == Node(nan)) == (True, True)
