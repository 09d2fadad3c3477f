"""frozen.fast_init builds the same values as a frozen dataclass's generated __init__, faster."""
from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace

import pytest

from leaklint_gopy.facts import Fact
from leaklint_gopy.frozen import fast_init
from leaklint_gopy.ir import Call, Edge, Span


@dataclass(frozen=True, slots=True)
class _Plain:
    name: str
    count: int = 0
    tags: tuple[str, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class _Fast:
    name: str
    count: int = 0
    tags: tuple[str, ...] = ()


def _installed(cls: type) -> bool:
    """Reports whether `cls.__init__` is fast_init's: it sets each field through its slot's
    descriptor (`_set0`, `_set1`, ...), never through `object.__setattr__` as the generated one does."""
    names = cls.__init__.__code__.co_names
    return "__setattr__" not in names and names == tuple(f"_set{i}" for i in range(len(fields(cls))))


def test_the_fast_init_replaces_the_generated_one():
    assert _installed(_Fast) and not _installed(_Plain)


@pytest.mark.parametrize("cls", [Span, Call, Fact], ids=lambda cls: cls.__name__)
def test_the_fast_init_is_installed_on_the_hot_values(cls: type):
    assert _installed(cls), f"{cls.__name__}.__init__ is not fast_init's"


def test_values_equal_hash_and_print_as_the_generated_init_builds_them():
    fast, plain = _Fast("a", 2), _Plain("a", 2)
    assert (fast.name, fast.count, fast.tags) == (plain.name, plain.count, plain.tags)
    assert fast == _Fast(name="a", count=2) and hash(fast) == hash(_Fast("a", 2, ()))
    assert repr(fast) == repr(plain).replace("_Plain", "_Fast")


def test_values_stay_frozen_and_copyable():
    span = Span("f.go", 1, 2, 3, 4)
    with pytest.raises(FrozenInstanceError):
        span.line = 5  # type: ignore[misc]
    assert replace(span, line=7) == Span("f.go", 7, 2, 3, 4)
    call = Call(span, "os.Open", "os.Open", None, ("p",), ("f", "err"))
    assert pickle.loads(pickle.dumps(call)) == call and call.kwargs == () and not call.in_loop
    assert Edge(3).guard is None and Fact(0, frozenset()).err is None


def test_a_missing_or_unknown_argument_is_still_a_type_error():
    with pytest.raises(TypeError):
        Span("f.go", 1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Edge(1, colour="red")  # type: ignore[call-arg]


def test_a_class_with_a_default_factory_keeps_its_generated_init():
    @dataclass(frozen=True, slots=True)
    class Listed:
        items: list = field(default_factory=list)

    generated = Listed.__init__
    assert fast_init(Listed).__init__ is generated and Listed().items == []
