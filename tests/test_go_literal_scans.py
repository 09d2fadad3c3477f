"""The one-pass scans of a Go body's text that BoundLiterals keeps (names assigned with `=`, its
bindings) answer as the per-name and backtracking searches they replaced did."""
from __future__ import annotations

import re
from types import SimpleNamespace

from leaklint_gopy.frontends.go.literals import _BINDING, _FIELD_SET, BoundLiterals

_OLD_BINDING = re.compile(rb"((?:\b\w+\s*,\s*)*\b\w+)\s*(?::=|(?<![=!<>:+\-*/%&|^])=(?!=))|\bvar\s+(\w+)")
_OLD_FIELD_SET = re.compile(rb"\b(\w+)\.(\w+)\s*(?<![=!<>:])=(?!=)")

BODY = """{
	out = &List{}
	if a == b || c != d || e <= f || g >= h { n += 1 }
	x.y = 1
	p, q := f()
	var v, w = 1, 2
	var (
		z = 3
	)
	table := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	f(r, s, t)
	u,
		k := g()
	éx = 1
	m	=	2
	*ptr = 3
}""".encode()


def _words(text: bytes) -> set[bytes]:
    return set(re.findall(rb"[\w\x80-\xff]+", text))


def test_assigned_names_answer_as_a_search_per_name() -> None:
    literals = BoundLiterals(SimpleNamespace(text=BODY))
    for word in _words(BODY) | {b"\xc3\xa9x", b"missing"}:
        expected = re.search(rb"\b" + re.escape(word) + rb"\s*=(?!=)", BODY) is not None
        assert literals._assigned(word) == expected, word


def test_binding_scans_match_the_backtracking_patterns() -> None:
    for new, old in ((_BINDING, _OLD_BINDING), (_FIELD_SET, _OLD_FIELD_SET)):
        assert [(m.span(), m.groups()) for m in new.finditer(BODY)] \
            == [(m.span(), m.groups()) for m in old.finditer(BODY)]


def test_bindings_are_counted_once_each() -> None:
    literals = BoundLiterals(SimpleNamespace(text=BODY))
    literals._bound_once()
    assert literals._counts[b"p"] == literals._counts[b"q"] == 1
    assert literals._counts[b"v"] == literals._counts[b"w"] == 1  # `var v` and the `w =` after it
    assert [names for _, names in literals._bindings if b"u" in names] == [(b"u", b"k")]
