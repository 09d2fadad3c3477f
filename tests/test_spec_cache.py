"""The parsed rule specs kept in the cache (spec_cache): the same RuleSpecs as parsing the TOML, an
edited spec seen at once, a malformed one refused in the same words, and `leaklint clean` removes them."""
from __future__ import annotations

import datetime
import shutil
import tomllib
from pathlib import Path

import pytest

from leaklint_gopy import cache, spec, spec_cache
from leaklint_gopy.spec import SpecError, load_rules

BUNDLED = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(spec, "_LOADED", {})  # (the in-process memo, by stat, would answer first)
    shutil.copytree(BUNDLED, tmp_path / "rules")
    return tmp_path / "rules"


def test_cached_specs_equal_parsed_ones_and_are_not_parsed_again(rules: Path, tmp_path: Path, monkeypatch) -> None:
    parsed = load_rules([rules])
    spec._LOADED.clear()
    assert load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache")) == parsed
    assert (tmp_path / "cache" / spec_cache.NAME).is_file()
    spec._LOADED.clear()
    monkeypatch.setattr(tomllib, "loads", lambda text: pytest.fail("parsed again"))
    assert load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache")) == parsed


def test_an_edited_spec_is_read_anew(rules: Path, tmp_path: Path) -> None:
    load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache"))
    path = rules / "go" / "go-conn-not-closed.toml"
    path.write_text(path.read_text().replace("\ntitle = ", "\ntitle = \"edited\"\nold_title = ", 1))
    spec._LOADED.clear()
    with pytest.raises(SpecError, match="old_title"):  # (an unknown key: the edited text was validated)
        load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache"))
    path.write_text(path.read_text().replace("\nold_title = ", "\n# ", 1))
    spec._LOADED.clear()
    edited = {rule.name: rule for rule in load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache"))}
    assert edited["go-conn-not-closed"].title == "edited"


def test_a_malformed_spec_is_refused_in_the_same_words(rules: Path, tmp_path: Path) -> None:
    (rules / "go" / "go-conn-not-closed.toml").write_text("id = [\n")
    with pytest.raises(SpecError) as plain:
        load_rules([rules])
    spec._LOADED.clear()
    with pytest.raises(SpecError) as cached:
        load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache"))
    assert str(cached.value) == str(plain.value) and "cannot read rule spec" in str(plain.value)


def test_only_documents_json_gives_back_exactly_are_kept() -> None:
    assert spec_cache._exact({"a": [1, 2.0, True, "x"], "b": {"c": 1.5}})
    assert not spec_cache._exact({"when": datetime.date(2024, 1, 1)})
    assert not spec_cache._exact({"x": float("inf")})


def test_clean_removes_the_parsed_specs(rules: Path, tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    load_rules([rules], spec_cache.ParsedSpecs(directory))
    assert cache.clear(directory) == 0 and not directory.exists()


def test_two_configurations_sharing_the_cache_keep_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ex) two projects with their own rules-dirs and one cache: each run used to keep only its own.
    first = spec_cache.ParsedSpecs(tmp_path / "cache")
    first.parsed("a = 1")
    first.save()
    second = spec_cache.ParsedSpecs(tmp_path / "cache")
    second.parsed("b = 2")
    second.save()
    monkeypatch.setattr(tomllib, "loads", lambda text: pytest.fail("parsed again"))
    third = spec_cache.ParsedSpecs(tmp_path / "cache")
    assert third.parsed("a = 1") == {"a": 1} and third.parsed("b = 2") == {"b": 2}


def test_a_save_after_a_concurrent_clean_does_not_make_an_unmarked_cache(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Ex) `leaklint clean` removed the cache between this run's mark and its write: a root made again
    # without its marker made every later clean refuse it (rules.json sat directly in the root).
    specs = spec_cache.ParsedSpecs(tmp_path / "cache")
    specs.parsed("a = 1")
    monkeypatch.setattr(cache, "mark", lambda directory: None)
    specs.save()
    assert not (tmp_path / "cache").exists()


def test_the_bundled_specs_ship_parsed_and_current() -> None:
    shipped = (BUNDLED / spec_cache.BUNDLE).read_text(encoding="utf-8")
    assert shipped == spec_cache.bundle(BUNDLED), \
        "rules/parsed.json is stale: run `python -m leaklint_gopy.spec_cache` after editing a rule spec"


def test_a_cold_run_takes_the_bundled_specs_without_parsing(rules: Path, tmp_path: Path, monkeypatch) -> None:
    parsed = load_rules([rules])
    spec._LOADED.clear()
    monkeypatch.setattr(tomllib, "loads", lambda text: pytest.fail("parsed again"))
    assert load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache", rules)) == parsed
    assert not (tmp_path / "cache" / spec_cache.NAME).exists()  # (the package ships them: nothing to keep)
    spec._LOADED.clear()
    assert load_rules([rules], spec_cache.ParsedSpecs(None, rules)) == parsed  # (--no-cache)


def test_a_spec_edited_after_bundling_is_parsed_anew(rules: Path, tmp_path: Path) -> None:
    path = rules / "go" / "go-conn-not-closed.toml"
    path.write_text(path.read_text().replace("\ntitle = ", "\ntitle = \"edited\"\n# ", 1))
    spec._LOADED.clear()
    edited = {rule.name: rule for rule in load_rules([rules], spec_cache.ParsedSpecs(tmp_path / "cache", rules))}
    assert edited["go-conn-not-closed"].title == "edited"
    assert (tmp_path / "cache" / spec_cache.NAME).is_file()  # (its document, parsed, is kept in the cache)

