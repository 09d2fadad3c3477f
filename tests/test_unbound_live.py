"""Unbound locals are tracked only while a call may still read them: the facts of a loop whose paths
bind locals in turn stay one fact per resource instead of one per subset of those locals."""
from __future__ import annotations

import textwrap
from pathlib import Path

from leaklint_gopy import dataflow, driver
from leaklint_gopy.spec import load_rules
from leaklint_gopy.unbound import Bindings

# Ex) multiprocessing.forkserver.main: a select loop whose branches bind a dozen locals
LOOP = """\
import socket

def serve(flags):
    sock = socket.socket()
    while flags:
        if flags[0]: a = 1
        if flags[1]: b = 2
        if flags[2]: c = 3
        if flags[3]: d = 4
        if flags[4]: e = 5
        if flags[5]: conn = sock.accept()
        conn.send(b"x")
        sock.send(b"y")
    sock.close()
"""


def _check(tmp_path: Path, monkeypatch) -> tuple[list, dict[str, list]]:
    """Returns the findings of LOOP and, per analysed function, the in-states of its block visits."""
    (tmp_path / "loop.py").write_text(textwrap.dedent(LOOP), encoding="utf-8")
    seen: dict[str, list] = {}
    block = dataflow.FunctionAnalysis._block

    def recording(self, block_id, state, report):
        seen.setdefault(self.function.qualname.rpartition(".")[2], []).append((self, block_id, state))
        return block(self, block_id, state, report)

    monkeypatch.setattr(dataflow.FunctionAnalysis, "_block", recording)
    rules = load_rules(driver.default_rule_dirs())
    result = driver.run([str(tmp_path)], driver.Settings(tuple(rules), root=str(tmp_path), use_cache=False, jobs=1))
    return result.findings, seen


def test_live_locals_are_those_a_call_reads_before_binding(tmp_path: Path, monkeypatch) -> None:
    _, seen = _check(tmp_path, monkeypatch)
    analysis = seen["serve"][0][0]
    live = Bindings.of(analysis.function).live
    assert live[0] == frozenset({"conn"})  # read by conn.send on the path that skips its binding
    assert all(name not in names for names in live for name in "abcde")  # bound, never read by a call


def test_facts_differing_in_unread_locals_are_one(tmp_path: Path, monkeypatch) -> None:
    _, seen = _check(tmp_path, monkeypatch)
    sites = [{fact.site for fact in state} for _, _, state in seen["serve"]]
    sizes = [len(state) for _, _, state in seen["serve"]]
    # one fact per site and kind of path (conn bound or not, raised or not), not one per subset of a..e
    assert max(sizes) <= 3 * max(len(s) for s in sites)  # (65 facts before: 2^5 subsets, 2 kinds of path)
