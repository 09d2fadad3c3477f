"""One pattern syntax for the calls a rule lists with their arguments (`release.calls`,
`drain.calls`): `name(a, b)` names the leading arguments, `_` for any one, constant or not."""
from pathlib import Path

import pytest

from leaklint_gopy.spec import load_rules

RULES = Path(__file__).resolve().parent.parent / "rules" / "go"


@pytest.fixture(scope="module")
def body_rule():
    return next(rule for rule in load_rules([RULES]) if rule.id == "LL101")


@pytest.mark.parametrize("consts, releases", [
    ((), False),                           # DumpResponse(resp, false-ish unknown): no body kept
    (("", "true"), True),                  # DumpResponse(resp, true)
    (("net/http.lastResponse", "true"), True),  # a package-level response is still `_`
    (("", "false"), False),
])
def test_release_call_arguments(body_rule, consts, releases):
    assert body_rule.is_release_call("net/http/httputil.DumpResponse", consts) is releases


@pytest.mark.parametrize("callee, consts, drains", [
    ("io.ReadAll", (), True),
    ("io.Copy", ("io.Discard", ""), True),
    ("io.Copy", ("io.Discard",), True),
    ("io.Copy", ("", ""), False),          # into another writer: its error may be a write error
    ("io.Copy", (), False),
    ("io.CopyBuffer", ("io/ioutil.Discard", "", ""), True),
])
def test_drain_call_arguments(body_rule, callee, consts, drains):
    assert body_rule.is_drain(callee, consts) is drains
