"""The Go prefilter: which packages, files and parts of files are parsed, and that skipping never
changes what is found (a helper parsed without its body is still summarised when needed)."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint_gopy import driver
from leaklint_gopy.frontends import registry
from leaklint_gopy.frontends.go import regions
from leaklint_gopy.frontends.go.frontend import _CONTEXT, _parse_ranges
from leaklint_gopy.frontends.words import Calls, Words
from leaklint_gopy.spec import load_rules

RULES = tuple(load_rules(driver.default_rule_dirs()))


def _check(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    package = tmp_path / "svc"
    package.mkdir(exist_ok=True)
    (package / "main.go").write_text(source)
    result = driver.run([str(package)], driver.Settings(RULES, root=str(tmp_path), use_cache=False, jobs=1))
    assert not result.errors, result.errors
    return [(f.span.line, f.rule_id) for f in result.findings]


# -- word and call searches --------------------------------------------------------------------
def test_words_match_whole_identifiers_only() -> None:
    words = Words({b"Close", b"Closer", b"File"})
    assert words.search(b"var c io.Closer")
    assert words.search(b"f.Close()")
    assert not words.search(b"closed, Closed, FileMode, osFile, reClose")
    assert words.starts(b"a Close b Closer") == [2, 10]


def test_calls_need_a_receiver_unless_bare() -> None:
    calls = Calls({b"Open", b"Do"}, bare={b"Open"})
    assert calls.search(b"os.Open(name)") and calls.search(b"c.Do(req)") and calls.search(b"c.Do[T](req)")
    assert calls.search(b"f, err := Open(name)")  # bare: the package's own Open
    assert not calls.search(b"x := Do(req)")  # not bare: a local Do is not http's
    assert not calls.search(b"reOpen(x); os.Opener(x); c.Do")
    assert calls.extended({b"fetch"}).search(b"resp := fetch(u)")


def test_bare_calls_are_found_whatever_names_share_a_start_and_however_many() -> None:
    source = b"Post(u); PostForm(u); x.PostForm(u); rePost(u); Get[T](u); Postal(u); Head (u)"
    expected = [0, 9, 24, 48]
    few = Calls({b"Post", b"PostForm", b"Get", b"Head"}, bare={b"Post", b"PostForm", b"Get"})
    many = Calls({b"Post", b"PostForm", b"Get", *(f"N{i}".encode() for i in range(12))},
                 bare={b"Post", b"PostForm", b"Get", *(f"N{i}".encode() for i in range(12))})
    assert few.starts(source) == many.starts(source) == expected
    assert not few.search(b"rePost(u); Postal(u); c.Posts(u)") and few.search(b"if Get(u)")


def test_only_a_file_dot_importing_another_package_calls_every_needle_unqualified() -> None:
    from leaklint_gopy.frontends.go.frontend import _dot_imports_elsewhere
    from leaklint_gopy.frontends.go.typeinfo import PackageTypes

    files = [("a.go", b'package p\n\nimport "net"\n\nfunc f() { Dial("tcp", "x") }\n'),
             ("b_test.go", b'package p_test\n\nimport . "example.com/p"\n\nfunc g() { Dial("tcp", "x") }\n'),
             ("c_test.go", b'package p_test\n\nimport (\n\t. "net"\n)\n\nfunc h() { Dial("tcp", "x") }\n')]
    package = PackageTypes("example.com/p", {"example.com/p": "example.com/p"})
    assert _dot_imports_elsewhere(files, package) == {2}  # (b_test.go's own package declares no Dial)
    cut = [regions.cut(source) for _, source in files]
    regions.find_calls(cut, Calls({b"Dial"}), everywhere=frozenset({2}))
    assert [bool(file.calls) for file in cut] == [False, False, True]


def test_prefilter_finds_method_names_only_where_their_package_is_imported() -> None:
    prefilter = registry.prefilter("go", list(RULES))
    once = b'package p\n\nimport "sync"\n\nfunc f(o *sync.Once) { o.Do(g) }\n'
    http = b'package p\n\nimport "net/http"\n\nfunc f(c *http.Client) { c.Do(nil) }\n'
    assert not prefilter.candidate([once]) and prefilter.candidate([http])
    assert b"Do" not in prefilter.needles("p", [once]) and b"Do" in prefilter.needles("p", [http])
    assert b"Open" in prefilter.needles("os", [b"package os\n"])  # the package itself


# -- ranges ------------------------------------------------------------------------------------
SOURCE = b'''// Package p.
package p

import (
\t"net"
)

const big = 1

type server struct {
\tconn net.Conn
}

func (s *server) stop() {
\ts.conn.Close()
}

func add(a, b int) int {
\treturn a + b
}

func (s *server) name() string { return "s" }

func dial() (net.Conn, error) {
\treturn net.Dial("tcp", "127.0.0.1:1")
}
'''


def test_cut_names_functions_and_methods() -> None:
    file = regions.cut(SOURCE)
    kinds = [(c.kind, c.name, c.method) for c in file.chunks]
    assert kinds == [(b"", b"", False), (b"package", b"", False), (b"import", b"", False), (b"const", b"", False),
                     (b"type", b"", False), (b"func", b"stop", True), (b"func", b"add", False),
                     (b"func", b"name", True), (b"func", b"dial", False)]
    add = file.chunks[6]
    assert SOURCE[add.body:add.body + 1] == b"{" and SOURCE[add.close:add.close + 2] == b"}\n"
    assert file.chunks[7].body == -1  # a one-liner is kept whole


def test_plan_elides_unrelated_bodies_and_constants() -> None:
    file = regions.cut(SOURCE)
    regions.find_calls([file], Calls({b"Dial"}))
    plan = regions.plan(file, _CONTEXT)
    assert plan is not None
    add = file.chunks[6]
    assert plan.elided == {add.start: add.end}
    parsed = b"".join(SOURCE[a:b] for a, b in plan.ranges)
    assert b"return a + b" not in parsed and b"const big" not in parsed
    assert b"s.conn.Close()" in parsed and b"net.Dial(" in parsed and b"func add(a, b int) int {}" in parsed
    assert plan.calling == {file.chunks[8].start}


def test_file_with_nothing_relevant_is_not_parsed() -> None:
    file = regions.cut(b"package p\n\nfunc add(a, b int) int {\n\treturn a + b\n}\n")
    regions.find_calls([file], Calls({b"Dial"}))
    assert regions.plan(file, _CONTEXT) is None


def test_wrappers_of_wrappers_are_calls_but_their_declarations_are_not() -> None:
    source = (b'package p\n\nimport "net"\n\nfunc dial() (net.Conn, error) {\n\treturn net.Dial("tcp", "x")\n}\n\n'
              b'func redial() (net.Conn, error) {\n\treturn dial()\n}\n\n'
              b'func use() {\n\tc, _ := redial()\n\t_ = c\n}\n')
    file = regions.cut(source)
    calls = regions.find_calls([file], Calls({b"Dial"}))
    assert {b"dial", b"redial"} <= calls.names
    assert source.index(b"dial()") - len(b"func ") + 1 not in file.calls  # `func dial(` declares
    assert len(file.calls) == 3  # net.Dial(, dial(), redial()


# -- whole runs: skipping a body never changes the findings -----------------------------------
HELPERS = '''package svc

import (
	"fmt"
	"io"
	"net"
)

func greet(w io.Writer) error {
	_, err := fmt.Fprintln(w, "hi")
	return err
}

func finish(rw io.ReadWriteCloser) {
	end(rw)
}

func end(c io.Closer) {
	c.Close()
}

func borrows(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	return greet(conn)
}

func closes(addr string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	finish(conn)
}
'''


def test_helper_parsed_without_body_is_summarised_on_demand(tmp_path: Path) -> None:
    # greet and finish mention no closer or resource type: each is parsed without its body at
    # first, then on its own when handed the connection. greet only borrows, so borrows() leaks;
    # finish passes it to end, which closes it.
    file = regions.cut(HELPERS.encode())
    regions.find_calls([file], Calls({b"Dial"}))
    elided = regions.plan(file, _CONTEXT).elided
    assert sorted(c.name for c in file.functions() if c.start in elided) == [b"finish", b"greet"]
    assert _check(tmp_path, HELPERS) == [(23, "LL102")]


def test_code_gofmt_would_reshape_is_parsed_whole(tmp_path: Path) -> None:
    # the first `{` line ends inside the parameters, so the ranged parse fails and the file is redone whole
    source = HELPERS.replace("func greet(w io.Writer) error {", "func greet(w io.Writer, opts struct {\n\tn int\n}) error {")
    source = source.replace("return greet(conn)", "return greet(conn, struct{ n int }{})")
    file = regions.cut(source.encode())
    regions.find_calls([file], Calls({b"Dial"}))
    assert _parse_ranges(file.source, regions.plan(file, _CONTEXT).ranges).root_node.has_error
    assert _check(tmp_path, source) == [(25, "LL102")]


@pytest.mark.parametrize("broken", ["\treturn a +\n", "\tx := [\n"])
def test_syntax_error_in_a_skipped_body_does_not_hide_findings(tmp_path: Path, broken: str) -> None:
    source = HELPERS + f"\nfunc add(a, b int) int {{\n{broken}}}\n"
    package = tmp_path / "svc"
    package.mkdir()
    (package / "main.go").write_text(source)
    result = driver.run([str(package)], driver.Settings(RULES, root=str(tmp_path), use_cache=False, jobs=1))
    assert [(f.span.line, f.rule_id) for f in result.findings] == [(23, "LL102")]


def test_context_file_lends_declarations_and_leaves_every_body_for_later() -> None:
    file = regions.cut(SOURCE)
    regions.find_calls([file], Calls({b"Dial"}))
    plan = regions.plan(file, _CONTEXT, bodies=False)
    functions = [c for c in file.functions() if c.body != -1]
    assert sorted(plan.elided) == [c.start for c in functions]  # stop, add and dial: parsed on demand
    parsed = b"".join(SOURCE[a:b] for a, b in plan.ranges)
    assert b"type server struct" in parsed and b"net.Dial(" not in parsed
