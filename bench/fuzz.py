"""Fuzzes leaklint with hypothesis at high example counts (not part of the test suite): broken and
reformatted Go and Python sources through both front-ends, the engine and every reporter, and
crafted SARIF through `leaklint merge` and `runtime validate`'s reader. A failure is an exception
that escapes, a run that differs when repeated, a finding moved by formatting, or a sibling's
finding lost beside a broken file. Each failure found becomes a regression test
(tests/test_properties.py, tests/test_user_errors.py).

    python bench/fuzz.py [--examples 2000] [--targets python,go,format-python,format-go,sarif] [--seed N]

Needs the test extras (hypothesis). Prints, per target, the examples run and the failures, each
with the smallest input hypothesis found; the inputs are saved under --out.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from mutations import SUFFIX, Harness, broken, reformatted, seed  # noqa: E402

JSON_LEAVES = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=8)
JSON = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                              max_size=4),
                    max_leaves=20)
SARIF_KEYS = ("ruleId", "partialFingerprints", "locations", "physicalLocation", "artifactLocation", "uri", "region",
              "startLine", "startColumn", "message", "text", "tool", "driver", "rules", "id", "results", "invocations",
              "toolExecutionNotifications", "originalUriBaseIds", "uriBaseId", "columnKind", "leaklint/v1")


def frontend(harness: Harness, language: str):
    """A broken file beside a sibling: no exception, same result twice, the sibling's findings kept."""
    sibling = f"ok/sibling{SUFFIX[language]}"
    alone = harness.run({sibling: seed(language)}).findings

    @given(broken(language))
    def check(data: bytes) -> None:
        neighbour = f"{'ok' if language == 'python' else 'other'}/broken{SUFFIX[language]}"
        files = {sibling: seed(language), neighbour: data}
        first = harness.run(files, reports=True)
        assert first == harness.run(files), "the same input gave two results"
        assert tuple(f for f in first.findings if f[0] == sibling) == alone, "a sibling's finding was lost"
    return check


def formatting(harness: Harness, language: str):
    """Formatting-only changes move no finding and add no error."""
    @given(reformatted(language))
    def check(pair: tuple[bytes, bytes]) -> None:
        name = f"pkg/file{SUFFIX[language]}"
        assert harness.run({name: pair[1]}, reports=True) == harness.run({name: pair[0]})
    return check


@st.composite
def sarif_logs(draw: st.DrawFn) -> bytes:
    """Returns a leaklint SARIF log with random JSON grafted at random places, or cut, or raw bytes."""
    log = json.loads((HERE / "fuzz-seed.sarif").read_text())
    for _ in range(draw(st.integers(1, 5))):
        _graft(log, draw(st.lists(st.integers(0, 50), min_size=1, max_size=8)), draw(st.sampled_from(SARIF_KEYS)),
               draw(JSON))
    text = json.dumps(log).encode()
    match draw(st.integers(0, 5)):
        case 0:
            return text[: draw(st.integers(0, len(text)))]
        case 1:
            at = draw(st.integers(0, len(text)))
            return text[:at] + draw(st.sampled_from([b"1e400", b"NaN", b"[" * 5000, b"null", b"\xff", b'"\\ud800"']))
        case _:
            return text


def _graft(value, path: list[int], key: str, new) -> None:
    """Replaces one value deep in `value` (chosen by `path`) or sets `key` there to `new`."""
    for step in path:
        children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
        containers = [c for c in children if isinstance(c, (dict, list))]
        if not containers:
            break
        value = containers[step % len(containers)]
    if isinstance(value, dict):
        value[key] = new
    elif isinstance(value, list) and value:
        value[path[-1] % len(value)] = new


def sarif(harness: Harness):
    """Crafted SARIF: merge and the runtime reader either work or raise their one-line error."""
    from leaklint_gopy.report.merge import MergeError, load, merge
    from leaklint_gopy.report.sarif import dumps
    from leaklint_gopy.runtime import sarif as runtime

    target = Path(tempfile.mkdtemp(prefix="leaklint-fuzz-")) / "in.sarif"

    @given(sarif_logs())
    def check(data: bytes) -> None:
        target.write_bytes(data)
        try:
            json.loads(dumps(merge([load(target), load(target)])), parse_constant=_not_json)
        except MergeError:
            pass
        try:
            log = runtime.load(str(target))
            runtime.place(runtime.findings(log), log, None, str(target), str(target.parent))
        except runtime.SarifError:
            pass
    return check


def _not_json(constant: str) -> None:
    raise AssertionError(f"{constant} written into JSON")


TARGETS = {"python": lambda h: frontend(h, "python"), "go": lambda h: frontend(h, "go"),
           "format-python": lambda h: formatting(h, "python"), "format-go": lambda h: formatting(h, "go"),
           "sarif": sarif}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "leaklint-fuzz")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    harness, failures = Harness(), 0
    print(f"seed {args.seed}, {args.examples} examples per target")
    for name in args.targets.split(","):
        test = settings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
                        suppress_health_check=list(HealthCheck), print_blob=True)(TARGETS[name](harness))
        test._hypothesis_internal_use_seed = args.seed
        started, runs = time.monotonic(), harness.count
        try:
            test()
            outcome = "no failure"
        except Exception as exc:  # noqa: BLE001 - the fuzzer's finding, reported below
            failures += 1
            (args.out / f"{name}-{args.seed}.txt").write_text("".join(traceback.format_exception(exc)))
            outcome = f"FAILURE {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        print(f"{name}: {harness.count - runs} runs in {time.monotonic() - started:.0f} s: {outcome}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
