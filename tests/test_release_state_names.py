"""Which names of a Go method's state say the rule's release happened (see irquery.own_decisions)."""
from __future__ import annotations

import pytest

from leaklint_gopy.irquery import _names_released


class _Spec:
    """The part of a RuleSpec the name test reads."""

    def __init__(self, *release_methods: str) -> None:
        self.release_methods = frozenset(release_methods)


@pytest.mark.parametrize("state", ["closed", "isClosed()", "closing", "conn_closed",
                                   "flags.isSet(connMarkedClosed)", "hasClosed"])
def test_a_word_saying_closed_is_the_closed_state(state: str) -> None:
    assert _names_released(state, _Spec("Close"))


@pytest.mark.parametrize("state", ["closeLater", "closeOnFinish", "enclosed", "closer", "disclosing"])
def test_a_request_to_close_or_another_word_is_not(state: str) -> None:
    assert not _names_released(state, _Spec("Close"))


@pytest.mark.parametrize(("release", "state", "expected"), [
    ("Wait", "waited", True), ("Wait", "waitForExit", False), ("Wait", "awaiting", False),
    ("Stop", "stopped", True), ("Stop", "isStopping()", True), ("Stop", "nonstop", False),
    ("Kill", "killed", True), ("Kill", "skill", False), ("Commit", "committed", True),
    ("Commit", "commitOnExit", False), ("Quit", "quitting", True)])
def test_short_release_words_match_whole_words(release: str, state: str, expected: bool) -> None:
    assert _names_released(state, _Spec(release)) is expected

