"""The stat index's dependency table: each distinct dependency stored once, named by position; its
verdicts asked once per run until something they depend on changes; records no entry names dropped."""
from __future__ import annotations

from leaklint_gopy.dependency_table import DependencyTable


def test_a_dependency_named_by_two_packages_is_stored_once() -> None:
    table = DependencyTable([["go\0a", "d1"]])
    assert table.position(["go\0b", "d2"]) == 1
    assert table.position(["go\0a", "d1"]) == 0
    assert table.position(["go\0b", "d2", 1]) == 2  # (outside the run: another record)
    assert table.records == [["go\0a", "d1"], ["go\0b", "d2"], ["go\0b", "d2", 1]]


def test_each_record_is_asked_once_until_forgotten() -> None:
    table = DependencyTable([["go\0a", "d1"], ["go\0b", "d2"]])
    asked: list[str] = []
    ask = lambda record: asked.append(record[0]) or record[1] == "d1"  # noqa: E731
    assert table.unchanged([0], ask) and table.unchanged([0], ask)
    assert not table.unchanged([0, 1], ask) and not table.unchanged([1, 0], ask)
    assert asked == ["go\0a", "go\0b"]
    table.forget()
    assert table.unchanged([0], ask) and asked == ["go\0a", "go\0b", "go\0a"]


def test_a_record_added_keeps_the_verdicts_already_made() -> None:
    # Ex) a run that stores a package's dependencies between two checks: asking every record again
    # after each addition made a long run quadratic.
    table = DependencyTable([["go\0a", "d1"]])
    asked: list[str] = []
    ask = lambda record: asked.append(record[0]) or True  # noqa: E731
    assert table.unchanged([0], ask)
    added = table.position(["go\0b", "d2"])
    assert table.unchanged([0, added], ask) and asked == ["go\0a", "go\0b"]


def test_records_no_entry_names_are_dropped_and_the_rest_renumbered() -> None:
    table = DependencyTable([["go\0a", "old"], ["go\0b", "d2"], ["go\0a", "new"]])
    entries = {"go\0x": [["sig"], [2, 1], "dx"], "go\0y": [["sig"], [2], "dy"]}
    kept, records = table.compacted(entries)
    assert records == [["go\0b", "d2"], ["go\0a", "new"]]
    assert kept == {"go\0x": [["sig"], [1, 0], "dx"], "go\0y": [["sig"], [1], "dy"]}
    assert [[records[p] for p in entry[1]] for entry in kept.values()] == \
        [[table.records[p] for p in entry[1]] for entry in entries.values()]
    full = DependencyTable(records)
    assert full.compacted(kept) == (kept, records)
