"""Which Go files are generated, by Go's own convention (go/ast.IsGenerated): a line comment
`// Code generated ... DO NOT EDIT.` before the package clause. golangci-lint leaves such files out;
so does leaklint, unless asked. It reads bytes only."""
from __future__ import annotations

import re

_MARK = re.compile(rb"(?m)^// Code generated .* DO NOT EDIT\.\r?$")
_PACKAGE = re.compile(rb"(?m)^[ \t]*package[ \t]")


def is_generated(source: bytes) -> bool:
    """Reports whether `source` carries Go's generated-code comment before its package clause."""
    clause = _PACKAGE.search(source)
    end = clause.start() if clause else len(source)
    return source.find(b"Code generated ", 0, end) >= 0 and _MARK.search(source, 0, end) is not None
