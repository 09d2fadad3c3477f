"""The report cache: what `check` wrote after its analysis (the report, the lines on stderr, the
exit status), stored under a digest of everything that output is a function of, so a warm run whose
result the stat index answers whole writes the stored output instead of decoding thousands of
findings and formatting them again. It never reads source files and knows nothing of formats.

The output is a function of the run's result and of how it is presented: the result, of the
driver's plan digest (see driver.Plan.digest: scope, rule specs, leaklint's source, the merged
result stored, the files found); its presentation, of the command's options, the configuration,
every known rule (SARIF lists them all), the baseline's bytes and the working directory. A report
that reads a source line (the text format's snippets) reads a file of the run, whose signature the
plan digest covers.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from leaklint_gopy.cache import MALFORMED, keep_newest, mark, write_bytes_atomically

MAX_REPORTS = 8  # one per scope and presentation (CI asks for SARIF and text, pre-commit for text)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What `check` wrote after its analysis: the report text, stderr's text and the exit status."""

    report: str
    stderr: str
    status: int


def key(plan_digest: str, presentation: list[object]) -> str:
    """Returns the address of the output of a run whose plan digest is `plan_digest`, presented as
    `presentation` says (options, configuration, rules, baseline bytes: reprs that name every value)."""
    digest = hashlib.blake2b(plan_digest.encode(), digest_size=20)
    for part in presentation:
        digest.update(b"\0" + repr(part).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def load(directory: Path, address: str) -> Outcome | None:
    """Returns the output stored under `address`, or None when there is none or it is malformed."""
    try:
        with open(_path(directory, address), "rb") as handle:
            header = json.loads(handle.readline())
            report = handle.read().decode("utf-8", "surrogatepass")
        outcome = Outcome(report, header["stderr"], header["status"])
        if len(report) != header["length"]:  # Ex) a file cut short
            return None
    except (*MALFORMED, UnicodeDecodeError):
        return None
    if not (isinstance(outcome.stderr, str) and type(outcome.status) is int):
        return None
    try:
        os.utime(_path(directory, address))  # a use: keep_newest evicts the reports used least recently
    except OSError:
        pass
    return outcome


def save(directory: Path, address: str, outcome: Outcome) -> None:
    """Stores `outcome` under `address` (silently skipped when the cache cannot be written), keeping
    the MAX_REPORTS most recent. The report follows a one-line JSON header as it is, not as a JSON
    string: a SARIF report of 6,852 results escaped and parsed again cost a warm run a tenth of its
    time."""
    mark(directory)
    path = _path(directory, address)
    header = json.dumps({"stderr": outcome.stderr, "status": outcome.status, "length": len(outcome.report)})
    data = (header + "\n" + outcome.report).encode("utf-8", "surrogatepass")  # (any str round-trips)
    if write_bytes_atomically(path, data):
        keep_newest(path.parent, MAX_REPORTS)


def _path(directory: Path, address: str) -> Path:
    return directory / "report" / f"{address}.json"
