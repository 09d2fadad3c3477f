"""Whether a type without Close releases a field is answered from its methods that name the field
first: the methods read stay few however many the type has (nats-server's Server has 606 and six
listener fields; read in name order, each field read the 114 methods before Shutdown and the
methods they call, a third of the package's CPU time)."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaklint_gopy import driver
from leaklint_gopy.analysis import LeakAnalysis
from leaklint_gopy.spec import load_rules

RULES = tuple(load_rules(driver.default_rule_dirs()))
FIELDS = ("ln", "debug", "admin")


def _server(fillers: int) -> str:
    fields = "".join(f"\t{name} net.Listener\n" for name in FIELDS)
    starts = "".join(f'func (s *server) start_{name}(a string) error {{\n\tln, err := net.Listen("tcp", a)\n'
                     f'\tif err != nil {{\n\t\treturn err\n\t}}\n\ts.{name} = ln\n\treturn nil\n}}\n\n'
                     for name in FIELDS)
    # (methods sorting before Shutdown, each calling the next one on its receiver)
    methods = "".join(f"func (s *server) A{i:03d}() int {{\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n"
                      f"\treturn s.n + s.A{i + 1:03d}()\n}}\n\n" for i in range(fillers))
    closes = "".join(f"\ts.{name}.Close()\n" for name in FIELDS)
    return (f'package owner\n\nimport (\n\t"net"\n\t"sync"\n)\n\ntype server struct {{\n\tmu sync.Mutex\n\tn int\n'
            f'{fields}}}\n\n{starts}{methods}func (s *server) A{fillers:03d}() int {{ return s.n }}\n\n'
            f'func (s *server) Shutdown() {{\n{closes}}}\n')


def _seeded_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fillers: int) -> tuple[list, int]:
    (tmp_path / "server.go").write_text(_server(fillers))
    reads = []
    original = LeakAnalysis._seed_round

    def counted(self, key, *args, **kwargs):
        reads.append(key)
        return original(self, key, *args, **kwargs)

    monkeypatch.setattr(LeakAnalysis, "_seed_round", counted)
    result = driver.run([str(tmp_path)], driver.Settings(RULES, root=str(tmp_path), use_cache=False, jobs=1))
    return result.findings, len(reads)


def test_the_fields_closed_by_a_late_method_are_owned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings, _ = _seeded_reads(tmp_path, monkeypatch, 12)
    assert findings == []


def test_methods_read_do_not_grow_with_the_methods_before_the_releasing_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "few").mkdir()
    (tmp_path / "many").mkdir()
    _, few = _seeded_reads(tmp_path / "few", monkeypatch, 10)
    _, many = _seeded_reads(tmp_path / "many", monkeypatch, 40)
    assert many == few
