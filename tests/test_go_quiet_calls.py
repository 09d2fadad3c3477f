"""A Go function whose needle calls all go to receivers that cannot acquire (`h.Get` of an
http.Header, the package's own `Get` returning a string) is not lowered eagerly: it is left to be
lowered when a summary asks for it (fixtures/go/go-http-body-not-closed/quiet_receivers.go pins
that findings stay the same)."""
from __future__ import annotations

from pathlib import Path

from leaklint_gopy import driver
from leaklint_gopy.frontends.go.frontend import GoFrontend
from leaklint_gopy.frontends.go.prefilter import GoPrefilter
from leaklint_gopy.spec import load_rules

RULES = list(load_rules(driver.default_rule_dirs()))
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures/go/go-http-body-not-closed/quiet_receivers.go"


def _lowered(source: str, needles=None) -> tuple[set[str], set[str]]:
    """Returns the eager and the deferred functions of a one-file package (by short name)."""
    files = [("/virtual/quiet.go", source.encode())]
    if needles is None:
        needles = GoPrefilter(RULES).needles("fixtures", [data for _, data in files])
    lowered = GoFrontend().lower_package("fixtures", files, {}, needles)[0]
    eager = {f.qualname.rsplit(".", 1)[1] for f in lowered.functions if "$" not in f.qualname}
    return eager, {q.rsplit(".", 1)[1] for q in lowered.lazy}


def test_functions_calling_only_quiet_receivers_are_deferred() -> None:
    eager, deferred = _lowered(FIXTURE.read_text())
    assert {"headerValue", "requestHeader", "ownGet", "builtHeader", "logStatus"} <= deferred
    assert {"headerThenGetLeak", "handedToQuietHelperLeak", "shadowedHeaderLeak"} <= eager
    assert not eager & {"headerValue", "requestHeader", "ownGet", "builtHeader", "logStatus"}


def test_unknown_receivers_and_assigned_names_stay_eager() -> None:
    source = """package p

import "net/http"

func viaRange(hs []http.Header) string {
\tfor _, h := range hs {
\t\treturn h.Get("a")
\t}
\treturn ""
}

func reassigned(h http.Header, c *http.Client) {
\tvar x interface{ Get(string) (*http.Response, error) }
\tx = c
\tx.Get("u")
\t_ = h.Get("a")
}
"""
    eager, _ = _lowered(source)
    assert {"viaRange", "reassigned"} <= eager


def test_plain_needles_lower_eagerly_as_before() -> None:
    needles = frozenset(GoPrefilter(RULES).needles("fixtures", [FIXTURE.read_bytes()]))
    eager, _ = _lowered(FIXTURE.read_text(), needles)
    assert {"headerValue", "requestHeader", "ownGet", "builtHeader", "logStatus"} <= eager
