"""The result cache is pruned: entries unused for MAX_AGE_DAYS go, the oldest go first past
MAX_BYTES, at most once a day; an entry read again counts as used."""
from __future__ import annotations

import os
import time
from pathlib import Path

from leaklint_gopy import cache
from leaklint_gopy.cache import PackageResult, ResultCache

DAY = 86400


def entry(store: ResultCache, key: str, age_days: float) -> Path:
    store.put(key, PackageResult())
    path = store.directory / key[:2] / f"{key[2:]}.json"
    moment = time.time() - age_days * DAY
    os.utime(path, (moment, moment))
    return path


def test_entries_unused_for_long_are_removed_and_recent_ones_kept(tmp_path):
    store = ResultCache(tmp_path / "c")
    old, fresh = entry(store, "aa" + "1" * 62, 40), entry(store, "ab" + "2" * 62, 3)
    stale = tmp_path / "c" / "aa" / ".tmp-x.json"
    stale.write_text("{")
    os.utime(stale, (time.time() - DAY, time.time() - DAY))
    assert store.prune() is True
    assert not old.exists() and fresh.exists() and not stale.exists()
    assert not (tmp_path / "c" / "aa").exists()


def test_pruning_runs_at_most_once_a_day(tmp_path):
    store = ResultCache(tmp_path / "c")
    entry(store, "ab" + "2" * 62, 1)
    assert store.prune() is True
    old = entry(store, "aa" + "1" * 62, 40)
    assert store.prune() is False and old.exists()
    stamp = tmp_path / "c" / cache.PRUNED
    os.utime(stamp, (time.time() - 2 * DAY, time.time() - 2 * DAY))
    assert store.prune() is True and not old.exists()


def test_past_the_size_limit_the_least_recently_used_go_first(tmp_path, monkeypatch):
    store = ResultCache(tmp_path / "c")
    paths = [entry(store, f"{i:02x}" + "3" * 62, age) for i, age in enumerate((5, 1, 9, 2))]
    size = paths[0].stat().st_size
    monkeypatch.setattr(cache, "MAX_BYTES", 2 * size)
    store.prune()
    assert [p.exists() for p in paths] == [False, True, False, True]


def test_a_hit_marks_an_entry_used(tmp_path):
    store = ResultCache(tmp_path / "c")
    path = entry(store, "aa" + "1" * 62, 20)
    assert store.get("aa" + "1" * 62) is not None
    assert time.time() - path.stat().st_mtime < 60


def test_clean_removes_the_prune_stamp(tmp_path):
    store = ResultCache(tmp_path / "c")
    entry(store, "aa" + "1" * 62, 1)
    store.prune()
    assert cache.clear(tmp_path / "c") == 0 and not (tmp_path / "c").exists()


def test_a_directory_leaklint_did_not_write_is_never_pruned(tmp_path):
    (tmp_path / "c" / "aa").mkdir(parents=True)
    mine = tmp_path / "c" / "aa" / "notes.json"
    mine.write_text("{}")
    os.utime(mine, (time.time() - 90 * DAY, time.time() - 90 * DAY))
    assert ResultCache(tmp_path / "c").prune() is False and mine.exists()
