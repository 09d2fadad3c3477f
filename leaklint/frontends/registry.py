"""Maps languages to their front-ends and prefilters; each language's package owns the code."""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from leaklint.spec import RuleSpec

if TYPE_CHECKING:
    from leaklint.frontends.go.prefilter import GoPrefilter
    from leaklint.frontends.python.prefilter import PythonPrefilter


@cache
def frontend(language: str):
    """Returns the front-end instance for `language` (imported lazily)."""
    if language == "go":
        from leaklint.frontends.go.frontend import GoFrontend

        return GoFrontend()
    from leaklint.frontends.python.frontend import PythonFrontend

    return PythonFrontend()


def prefilter(language: str, rules: list[RuleSpec]) -> GoPrefilter | PythonPrefilter:
    """Returns what decides, from the bytes alone, whether a package of `language` is analysed."""
    if language == "go":
        from leaklint.frontends.go.prefilter import GoPrefilter

        return GoPrefilter(rules)
    from leaklint.frontends.python.prefilter import PythonPrefilter

    return PythonPrefilter(rules)
