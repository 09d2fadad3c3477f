"""A long chain of helpers, each handing a connection to the next, is analysed, never reported as
"too deeply nested": summaries nested past a bound answer with the recursion guard's guess."""
from __future__ import annotations

from pathlib import Path

from leaklint_gopy import driver
from leaklint_gopy.spec import load_rules

RULES = tuple(load_rules(driver.default_rule_dirs()))


def _chain(length: int) -> str:
    helpers = "".join(f"func h{i}(c net.Conn) {{ h{i + 1}(c) }}\n\n" for i in range(length))
    return (f'package chain\n\nimport "net"\n\n{helpers}func h{length}(c net.Conn) {{ c.Close() }}\n\n'
            'func use() error {\n\tc, err := net.Dial("tcp", "127.0.0.1:1")\n\tif err != nil {\n\t\treturn err\n\t}\n'
            '\th0(c)\n\treturn nil\n}\n')


def _run(tmp_path: Path, length: int) -> driver.RunResult:
    (tmp_path / "chain.go").write_text(_chain(length))
    return driver.run([str(tmp_path)], driver.Settings(RULES, root=str(tmp_path), use_cache=False))


def test_a_chain_within_the_bound_is_followed_to_its_close(tmp_path: Path) -> None:
    result = _run(tmp_path, 30)
    assert (result.findings, result.errors) == ([], [])


def test_a_chain_past_the_bound_is_analysed_not_an_error(tmp_path: Path) -> None:
    result = _run(tmp_path, 150)
    assert result.errors == []
    # todo: past the bound the chain's summary is the guard's guess (it only borrows), so the
    # close at its end is not seen and the connection is reported.
    assert [(f.rule_id, f.span.line) for f in result.findings] == [("LL102", 8 + 2 * 150)]  # the Dial
