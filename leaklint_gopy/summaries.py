"""The memoised summaries of the analysed tree's functions (what each returns, does to a resource
passed to it, and hands back) and the constants the parts of the analysis share. It never parses
and never formats.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from leaklint_gopy.facts import Site
from leaklint_gopy.spec import SEVERITIES, Acquire, RuleSpec


# A response from these came from whatever transport was plugged in: in a test, a fake.
INTERFACE_ROUND_TRIPS = frozenset({"?.RoundTrip", "net/http.RoundTripper.RoundTrip"})
NORMAL_EXITS = ("return", "end", "continue", "break", "iteration", "scope", "overwrite", "replaced",
                 "discarded", "defer-loop", "raise", "abandon", "unowned")


MAX_DEPTH = 40
# A Python function leaving a resource it is given to its caller only where it raises (Effects.
# _seeded's `failing`), and the suffix of the effects that hold on the normal way out only.
RAISING = "raising"
UNLESS_RAISING = "-unless-raising"


@dataclass(slots=True)
class Summaries:
    """Memoised summaries of functions, by qualname first: what each returns, does to a resource
    passed to it, and hands back."""

    returns: dict[str, dict | None] = field(default_factory=dict)
    effects: dict[tuple, tuple[bool, bool, bool | None, bool]] = field(default_factory=dict)
    passed: dict[tuple, tuple[int, frozenset[str], bool] | None] = field(default_factory=dict)
    depends: dict[tuple, frozenset] = field(default_factory=dict)  # the summaries each summary used, by key
    spans: dict = field(default_factory=dict)  # where each summarised function is (the package's own: by summary)
    pooling: set[tuple] = field(default_factory=set)  # effects keys of methods that take a resource back (check-ins)
    used_open: set[tuple] = field(default_factory=set)  # effects keys of functions returning it open after using it


@dataclass(frozen=True, slots=True)
class Returned:
    spec: RuleSpec
    clause: Acquire


def by_severity(stored: dict[str, Site]) -> list[tuple[str, Site]]:
    """Returns the (field, acquisition) pairs of `stored`, the most severe rule's first, then by field."""
    return sorted(stored.items(), key=lambda item: (SEVERITIES.index(item[1].spec.severity), item[0]))
