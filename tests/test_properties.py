"""Properties that hold for any source, checked on broken and reformatted Go and Python files
(hypothesis; few examples, derandomised, so the suite stays fast and repeatable; bench/fuzz.py
runs the same strategies with many): no exception escapes and every report renders, a run is
deterministic, formatting moves no finding, and a broken file never hides a sibling's finding."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from mutations import SUFFIX, Harness, broken, reformatted, seed

PROPERTIES = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LANGUAGES = ("python", "go")


@pytest.fixture(scope="module")
def harness() -> Harness:
    return Harness()


@pytest.mark.parametrize("language", LANGUAGES)
def test_broken_sources_never_raise_and_give_the_same_result_twice(harness: Harness, language: str) -> None:
    @PROPERTIES
    @given(broken(language))
    def check(data: bytes) -> None:
        files = {f"pkg/file{SUFFIX[language]}": data}
        assert harness.run(files, reports=True) == harness.run(files)

    check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_formatting_moves_no_finding(harness: Harness, language: str) -> None:
    @PROPERTIES
    @given(reformatted(language))
    def check(pair: tuple[bytes, bytes]) -> None:
        name = f"pkg/file{SUFFIX[language]}"
        before, after = harness.run({name: pair[0]}), harness.run({name: pair[1]}, reports=True)
        assert after.findings == before.findings and after.errors == before.errors

    check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_broken_neighbour_never_hides_a_sibling_finding(harness: Harness, language: str) -> None:
    sibling = f"ok/sibling{SUFFIX[language]}"
    alone = harness.run({sibling: seed(language)})
    assert alone.findings

    @PROPERTIES
    @given(broken(language))
    def check(data: bytes) -> None:
        neighbour = f"{'ok' if language == 'python' else 'other'}/neighbour{SUFFIX[language]}"
        together = harness.run({sibling: seed(language), neighbour: data})
        assert [f for f in together.findings if f[0] == sibling] == list(alone.findings)

    check()
