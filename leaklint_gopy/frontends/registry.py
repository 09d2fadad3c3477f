"""Maps languages to their front-ends and prefilters; each language's package owns the code."""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from leaklint_gopy.spec import RuleSpec

if TYPE_CHECKING:
    from leaklint_gopy.frontends.go.prefilter import GoPrefilter
    from leaklint_gopy.frontends.python.prefilter import PythonPrefilter


@cache
def frontend(language: str):
    """Returns the front-end instance for `language` (imported lazily)."""
    if language == "go":
        from leaklint_gopy.frontends.go.frontend import GoFrontend

        return GoFrontend()
    from leaklint_gopy.frontends.python.frontend import PythonFrontend

    return PythonFrontend()


def decode(language: str, data: bytes) -> bytes:
    """Returns a file's bytes as the front-end of `language` reads them: UTF-8, and for Python with
    its byte order mark, coding cookie and lone CR line ends resolved. Raises ValueError (with a
    `line`) for bytes the language would refuse."""
    if language == "python":
        from leaklint_gopy.frontends.python.encoding import normalise

        return normalise(data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = ValueError(f"invalid UTF-8 at byte {exc.start}")
        problem.line = data[: exc.start].count(b"\n") + 1  # type: ignore[attr-defined]
        raise problem from None
    return data


def prefilter(language: str, rules: list[RuleSpec]) -> GoPrefilter | PythonPrefilter:
    """Returns what decides, from the bytes alone, whether a package of `language` is analysed."""
    if language == "go":
        from leaklint_gopy.frontends.go.prefilter import GoPrefilter

        return GoPrefilter(rules)
    from leaklint_gopy.frontends.python.prefilter import PythonPrefilter

    return PythonPrefilter(rules)
