"""The engine of a package's check is freed by reference counting when the check returns: a cycle
back to it would keep the package's IR alive, and checker.check_package freezes what survives a
check (gc.freeze), so every package's IR would stay for the rest of the run (560 MB on the CPython
standard library instead of 140)."""
import gc
import weakref

from leaklint_gopy.analysis import LeakAnalysis
from leaklint_gopy.driver import default_rule_dirs
from leaklint_gopy.function_index import FunctionIndex
from leaklint_gopy.spec import load_rules


def test_the_engine_is_freed_without_the_cycle_collector():
    rules = load_rules(default_rule_dirs())
    functions = FunctionIndex([])
    collecting = gc.isenabled()
    gc.disable()
    try:
        engine = LeakAnalysis(rules, functions, functions.shared)
        freed = weakref.ref(engine)
        del engine
        assert freed() is None
    finally:
        if collecting:
            gc.enable()
