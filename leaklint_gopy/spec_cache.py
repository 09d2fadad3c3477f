"""The parsed rule spec files, kept beside the result cache as JSON by a digest of each file's text:
a run still reads every spec's text (so an edit is always seen, and a changed text is parsed again)
but a warm one neither imports nor runs the TOML parser (0.04 s of a 0.6 s warm run on a 20,000-file
tree: tomllib is pure Python). It never validates anything: specfile does, on what this returns.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

# In a folder of the cache root, never directly in it: a write makes its folder but never the root, which a
# concurrent `leaklint clean` may have removed (see cache.write_atomically, cache.mark).
NAME = "specs/rules.json"
KEPT = 256  # documents kept: the 22 built-in specs, custom rules-dirs, and texts edited since


class ParsedSpecs:
    """tomllib.loads' answers by the digest of the text parsed, read from and written to
    `<directory>/specs/rules.json`. A document JSON does not give back exactly (a TOML date, a float
    that is not finite) is parsed every time."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._stored: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}

    def parsed(self, text: str) -> dict[str, Any]:
        """Returns tomllib.loads(text); raises its TOMLDecodeError (a ValueError)."""
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        stored = self._read().get(key)
        if not isinstance(stored, dict):
            import tomllib

            stored = tomllib.loads(text)
            if not _exact(stored):
                return stored
        self._used[key] = stored
        return stored

    def save(self) -> None:
        """Writes the documents parsed or used by this run after those read (another configuration's
        rules-dirs share the cache), the newest KEPT, when that is not what was read."""
        from leaklint_gopy.cache import mark, write_atomically

        stored = self._read()
        kept = {key: value for key, value in stored.items() if key not in self._used} | self._used
        kept = dict(list(kept.items())[-KEPT:])
        if self._used and kept != stored:
            mark(self.directory)
            write_atomically(self.directory / NAME, kept)

    def _read(self) -> dict[str, Any]:
        if self._stored is None:
            from leaklint_gopy.cache import MALFORMED

            try:
                with open(self.directory / NAME, encoding="utf-8") as handle:
                    data = json.load(handle)
                self._stored = data if isinstance(data, dict) else {}
            except MALFORMED:
                self._stored = {}
        return self._stored


def _exact(document: dict[str, Any]) -> bool:
    """Reports whether `document` comes back from JSON equal and of the same types."""
    try:
        return _typed(json.loads(json.dumps(document, allow_nan=False))) == _typed(document)
    except (TypeError, ValueError):
        return False


def _typed(value: Any) -> Any:
    """Returns `value` with each scalar paired with its type (1 == 1.0 == True in Python)."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)
