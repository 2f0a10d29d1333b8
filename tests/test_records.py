"""`helm_harden.records` makes classes that behave as `dataclasses.dataclass` makes them."""

from __future__ import annotations

import copy
import dataclasses
import pickle

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
