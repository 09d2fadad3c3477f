"""Which callers of a staged file's helpers pre-commit checks: in the staged file's package, a
function that names something the staged file declares (a function, a method's receiver type, a
type, a package-level variable or constant) in its own signature or body, or a plain function so
found (transitively; a method found is not followed). A caller reaching a
staged method through a receiver whose type is only inferred (`d := newDrainer(); d.drain(resp)`)
is left to the CI gate (`--new-from-rev`), which checks the whole tree."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from leaklint_gopy import cli
from leaklint_gopy.dependents import named_callers
from test_gate import committed, edit

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

DRAINER = """\
package svc

import "net/http"

type drainer struct{ drained int }

// drain closes the body.
func (d *drainer) drain(resp *http.Response) {
\td.drained++
\tresp.Body.Close()
}

var limit = 3
"""

CLIENT = """\
package svc

import "net/http"

type registry struct{ d *drainer }

func (r *registry) get() *drainer {
\treturn r.d
}

var reg = &registry{d: &drainer{}}

// Status reaches drain through a receiver whose type is inferred.
func Status(c *http.Client, url string) (int, error) {
\td := reg.get()
\tresp, err := c.Get(url)
\tif err != nil {
\t\treturn 0, err
\t}
\tdefer d.drain(resp)
\treturn resp.StatusCode, nil
}

// Typed names the staged type in its signature.
func Typed(d *drainer, c *http.Client, url string) (int, error) {
\tresp, err := c.Get(url)
\tif err != nil {
\t\treturn 0, err
\t}
\tdefer d.drain(resp)
\treturn resp.StatusCode, nil
}

// Limited names a staged variable.
func Limited() int {
\treturn limit
}

// Twice calls a caller (a plain function): followed, transitively.
func Twice(c *http.Client, url string) (int, error) {
\treturn Typed(nil, c, url)
}
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = committed(tmp_path / "shop", {"go.mod": "module example.com/shop\n\ngo 1.21\n",
                                         "svc/drainer.go": DRAINER, "svc/client.go": CLIENT})
    monkeypatch.chdir(root)
    return root


def found(capsys, *argv: str) -> list[tuple[str, int]]:
    cli.main(["check", "--format", "json", *argv])
    document = json.loads(capsys.readouterr().out)
    return [(f["path"], f["line"]) for f in document["findings"] if not f["suppressed"]]


def test_pre_commit_checks_the_callers_that_name_a_staged_declaration(shop):
    assert named_callers(["svc/drainer.go"]) == {
        "svc/client.go": frozenset({"registry.get", "Typed", "Limited", "Twice"})}


def test_an_inferred_receiver_is_left_to_the_ci_gate(shop, capsys):
    edit(shop / "svc" / "drainer.go", "\tresp.Body.Close()\n", "\t_ = resp.StatusCode\n")
    assert found(capsys, "--new-from-rev", "HEAD") == [("svc/client.go", 16), ("svc/client.go", 26)]
    assert found(capsys, "svc/drainer.go") == [("svc/client.go", 26)]
    assert found(capsys, "--no-cache", "svc/drainer.go") == [("svc/client.go", 26)]


def test_a_named_test_file_brings_only_the_tests_naming_it(shop):
    (shop / "svc" / "helpers_test.go").write_text("package svc\n\nfunc helper() int {\n\treturn 1\n}\n")
    (shop / "svc" / "a_test.go").write_text("package svc\n\nimport \"testing\"\n\nfunc TestA(t *testing.T) {\n"
                                             "\t_ = helper()\n}\n\nfunc TestB(t *testing.T) {}\n")
    assert named_callers(["svc/helpers_test.go"]) == {"svc/a_test.go": frozenset({"TestA"})}
    assert named_callers(["svc/client.go"]) == {}


def test_declarations_inside_a_raw_string_are_no_functions(shop):
    (shop / "svc" / "gen.go").write_text(
        "package svc\n\nfunc Generate() string {\n\tsrc := `package x\n\nfunc inner() {\n}\n`\n"
        "\t_ = limit\n\treturn src\n}\n\nfunc Spread(ds ...drainer) int {\n\treturn len(ds)\n}\n")
    assert named_callers(["svc/drainer.go"])["svc/gen.go"] == frozenset({"Generate", "Spread"})


def test_an_absolute_path_checks_the_same_callers(shop, capsys):
    edit(shop / "svc" / "drainer.go", "\tresp.Body.Close()\n", "\t_ = resp.StatusCode\n")
    assert found(capsys, "--no-cache", str(shop / "svc" / "drainer.go")) == [("svc/client.go", 26)]


def test_selected_names_are_the_front_ends_names():
    """dependents names functions as the Go front-end does (`Name`, `Type.Name`), generic and
    unnamed receivers included: a selected function the front-end names otherwise is never checked."""
    import tree_sitter
    import tree_sitter_go

    from leaklint_gopy.dependents import _functions, _naming
    from leaklint_gopy.frontends.go.frontend import _declared_name

    source = (b"package p\n\nfunc (l *List[K, V]) Push(v V) {\n\tuse(v)\n}\n\nfunc (List[K, V]) Len() int {\n"
              b"\treturn use(0)\n}\n\nfunc (s stack) Pop() {\n\tuse(1)\n}\n\nfunc Free[T any](x T) {\n\tuse(x)\n}\n")
    tree = tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language())).parse(source)
    declared = {_declared_name(node) for node in tree.root_node.named_children
                if node.type in ("function_declaration", "method_declaration")}
    assert declared == set(_naming(_functions(source), {b"use"})) == {"List.Push", "List.Len", "stack.Pop", "Free"}
