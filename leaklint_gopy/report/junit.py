"""The JUnit XML reporter (ruff's `junit`): a test suite per file with findings, a failing test
case per finding, an error case per file that could not be analysed; a run without either is one
passing case. CI systems (GitLab, Jenkins, Azure) show these as test results."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from typing import TYPE_CHECKING, TextIO

from leaklint_gopy.report import ReportOptions, printable, relative_uri

if TYPE_CHECKING:
    from leaklint_gopy.finding import RunResult


class JunitReporter:
    """Writes one `<testsuites>` document."""

    def write(self, result: RunResult, out: TextIO, options: ReportOptions) -> None:
        root = ET.Element("testsuites", name="leaklint")
        failures = errors = 0
        for path, findings in groupby(result.active, key=lambda f: f.span.path):
            uri = printable(relative_uri(path, options.source_root))  # XML holds no control character
            suite = ET.SubElement(root, "testsuite", name=uri)
            for f in findings:
                case = ET.SubElement(suite, "testcase", name=f.rule_id, classname=uri, line=str(f.span.line))
                failure = ET.SubElement(case, "failure", message=printable(f.message), type=f.severity)
                failure.text = f"line {f.span.line}, column {f.span.col}: {f.rule_id} {printable(f.message)}"
                failures += 1
            _count(suite)
        errored = [e for e in result.errors if e.severity == "error"]
        if errored:
            suite = ET.SubElement(root, "testsuite", name="leaklint: files not analysed")
            for error in errored:
                where = printable(relative_uri(error.path, options.source_root))
                case = ET.SubElement(suite, "testcase", name="analysis", classname=where)
                ET.SubElement(case, "error", message=printable(error.message))
                errors += 1
            _count(suite)
        if not failures and not errors:
            suite = ET.SubElement(root, "testsuite", name="leaklint")
            ET.SubElement(suite, "testcase", name="no leaks found", classname="leaklint")
            _count(suite)
        root.set("tests", str(max(1, failures + errors)))
        root.set("failures", str(failures))
        root.set("errors", str(errors))
        ET.indent(root)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def _count(suite: ET.Element) -> None:
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(sum(1 for case in suite if case.find("failure") is not None)))
    suite.set("errors", str(sum(1 for case in suite if case.find("error") is not None)))


REPORTER = JunitReporter()
