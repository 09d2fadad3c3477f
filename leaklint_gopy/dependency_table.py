"""The stat index's dependency records, each distinct one stored once and named by its position, and
the verdict on each (unchanged or not) remembered for a run. It knows nothing of signatures: whether a
record is unchanged is asked of the index (see stat_index.StatIndex.deps_unchanged).
"""
from __future__ import annotations

from typing import Any, Callable

from leaklint_gopy.cache import MALFORMED


class DependencyTable:
    """The distinct dependency records of a stat index ([key, digest], or [key, digest, 1] for a
    package outside the run), each named by its position in `records`: an index entry lists positions.
    On a 20,241-file tree (/work/corpus's projects and the Go tree), 6,369 packages named 66,256
    dependencies, 3,271 distinct ones."""

    __slots__ = ("records", "_positions", "_verdicts")

    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self._positions: dict[tuple, int] | None = None  # made on the first position() call
        # By position, None where not asked yet; emptied when forgotten, extended with None when records
        # were added (a list, not a dict: a warm run looks 66,256 positions up)
        self._verdicts: list[bool | None] = []

    def unchanged(self, positions: list[int], ask: Callable[[list[Any]], bool]) -> bool:
        """Reports whether `ask` finds every record at `positions` unchanged, asking it once per record
        until forget(); raises one of MALFORMED for a position or record that is not one."""
        records, verdicts = self.records, self._verdicts
        missing = len(records) - len(verdicts)
        if missing > 0:  # records added since (position()): the verdicts already made still hold
            verdicts.extend([None] * missing)
        elif missing < 0:  # records replaced by fewer
            verdicts = self._verdicts = [None] * len(records)
        for position in positions:
            verdict = verdicts[position]
            if verdict is None:
                verdict = verdicts[position] = ask(records[position])
            if not verdict:
                return False
        return True

    def forget(self) -> None:
        """Forgets the verdicts: what they were made of changed (a signature taken or dropped)."""
        self._verdicts = []

    def position(self, record: list[Any]) -> int:
        """Returns the position of `record`, added at the end when the table does not hold it yet."""
        if self._positions is None:
            self._positions = {}
            for index, held in enumerate(self.records):
                key = _key(held)
                if key is not None:
                    self._positions.setdefault(key, index)
        key = tuple(record)
        if key not in self._positions:
            self._positions[key] = len(self.records)
            self.records.append(record)
        return self._positions[key]

    def compacted(self, entries: dict[str, list[Any]]) -> tuple[dict[str, list[Any]], list[Any]]:
        """Returns `entries` and the records, without the records no entry names any more (renumbered);
        both as they are when every record is named, or when an entry is malformed."""
        try:
            used = sorted({position for entry in entries.values() for position in entry[1]})
            if used == list(range(len(self.records))):
                return entries, self.records
            renumbered = {old: new for new, old in enumerate(used)}
            records = [self.records[old] for old in used]
            return {key: [entry[0], [renumbered[p] for p in entry[1]], *entry[2:]] for key, entry in entries.items()}, records
        except MALFORMED:
            return entries, self.records


def _key(record: Any) -> tuple | None:
    """Returns `record` as a dictionary key, or None when it cannot be one (a malformed index)."""
    try:
        key = tuple(record)
        hash(key)
        return key
    except TypeError:
        return None
