"""Summaries flow across the packages of the analysed tree, as go/analysis facts do: a helper of
another package closes, keeps or returns a resource like one of the same package, and a cached or
indexed result that used another package's summary is recomputed once that package changes."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from leaklint_gopy import driver
from leaklint_gopy.spec import load_rules

RULES = tuple(load_rules(driver.default_rule_dirs()))

GO_MOD = "module example.com/app\n\ngo 1.21\n"
DRAIN = """package xhttp

import (
\t"io"
\t"net/http"
)

// DrainBody reads the rest of a body and closes it.
func DrainBody(body io.ReadCloser) {
\t_, _ = io.Copy(io.Discard, body)
\t_ = body.Close()
}

// Dial returns a response the caller must close.
func Dial(c *http.Client, u string) (*http.Response, error) {
\treturn c.Get(u)
}
"""
CLIENT = """package svc

import (
\t"net/http"

\t"example.com/app/xhttp"
)

// Probe hands the body to the other package's helper, which closes it.
func Probe(c *http.Client, u string) error {
\tresp, err := c.Get(u)
\tif err != nil {
\t\treturn err
\t}
\txhttp.DrainBody(resp.Body)
\treturn nil
}

// Status gets a response through the other package's wrapper and never closes it.
func Status(c *http.Client, u string) (int, error) {
\tresp, err := xhttp.Dial(c, u)
\tif err != nil {
\t\treturn 0, err
\t}
\treturn resp.StatusCode, nil
}
"""


def _tree(root: Path) -> None:
    for name, text in {"go.mod": GO_MOD, "xhttp/drain.go": DRAIN, "svc/client.go": CLIENT}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    past = time.time() - 60  # older than the stat index's racy window
    for path in root.rglob("*.go"):
        os.utime(path, (past, past))


def _findings(root: Path, use_cache: bool = False) -> list[tuple[str, int, str]]:
    result = driver.run([str(root)], driver.Settings(RULES, root=str(root), use_cache=use_cache, jobs=1))
    return [(Path(f.span.path).name, f.span.line, f.rule_id) for f in result.findings]


def test_helpers_and_wrappers_of_another_package_are_summarised(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert _findings(tmp_path) == [("client.go", 21, "LL101")]


def test_a_changed_helper_in_another_package_is_seen_through_the_cache(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert _findings(tmp_path, use_cache=True) == [("client.go", 21, "LL101")]
    drain = tmp_path / "xhttp" / "drain.go"
    drain.write_text(DRAIN.replace("\t_ = body.Close()\n", ""))
    past = time.time() - 30
    os.utime(drain, (past, past))
    assert _findings(tmp_path, use_cache=True) == [("client.go", 11, "LL105"), ("client.go", 21, "LL101")]


def test_a_finding_names_the_helpers_whose_summaries_decided_it(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = driver.run([str(tmp_path)], driver.Settings(RULES, root=str(tmp_path), use_cache=False, jobs=1))
    (finding,) = result.findings
    assert [(Path(s.path).name, s.line) for s in finding.uses] == [("drain.go", 15)]


def test_the_index_signs_a_used_package_by_a_digest_not_its_files(tmp_path: Path, _isolated_cache: Path) -> None:
    # Every package using xhttp used to repeat the signatures of all xhttp's files in its entry: three
    # quarters of the Go standard library's index, parsed on every warm run.
    _tree(tmp_path)
    assert _findings(tmp_path, use_cache=True) == [("client.go", 21, "LL101")]
    (index,) = [path for path in (_isolated_cache / "index").glob("*.json") if not path.name.endswith(".texts.json")]
    data = json.loads(index.read_text())
    positions = data["packages"]["go\0example.com/app/svc"][1]  # [signature, deps (positions in "deps"), digest]
    deps = [data["deps"][position] for position in positions]
    assert [dep[0] for dep in deps] == ["go\0example.com/app/xhttp"]
    assert isinstance(deps[0][1], str) and len(deps[0][1]) == 32 and "drain.go" not in json.dumps(deps)
