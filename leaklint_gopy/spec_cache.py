"""The parsed rule spec files, kept beside the result cache as JSON by a digest of each file's text:
a run still reads every spec's text (so an edit is always seen, and a changed text is parsed again)
but a warm one neither imports nor runs the TOML parser (0.04 s of a 0.6 s warm run on a 20,000-file
tree: tomllib is pure Python). The bundled specs' documents also ship parsed, in `rules/parsed.json`
(written by `python -m leaklint_gopy.spec_cache`), so a cold run (a fresh cache, `--no-cache`) does
not parse them either. It never validates anything: specfile does, on what this returns.
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
BUNDLE = "parsed.json"  # in the bundled rules directory: {spec path: {"sha256": digest, "document": ...}}


class ParsedSpecs:
    """tomllib.loads' answers by the digest of the text parsed, read from and written to
    `<directory>/specs/rules.json` (no file when `directory` is None), else from the bundled rules'
    `parsed.json` in `bundled` (read only). A document JSON does not give back exactly (a TOML date, a
    float that is not finite) is parsed every time."""

    def __init__(self, directory: Path | None, bundled: Path | None = None) -> None:
        self.directory = directory
        self.bundled = bundled
        self._stored: dict[str, Any] | None = None
        self._shipped: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}

    def parsed(self, text: str) -> dict[str, Any]:
        """Returns tomllib.loads(text); raises its TOMLDecodeError (a ValueError)."""
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        shipped = self._bundle().get(key)
        if isinstance(shipped, dict):
            return shipped  # (not kept in the cache: the package ships it)
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

        if self.directory is None:
            return
        stored = self._read()
        kept = {key: value for key, value in stored.items() if key not in self._used} | self._used
        kept = dict(list(kept.items())[-KEPT:])
        if self._used and kept != stored:
            mark(self.directory)
            write_atomically(self.directory / NAME, kept)

    def _read(self) -> dict[str, Any]:
        if self._stored is None and self.directory is None:
            self._stored = {}
        if self._stored is None:
            from leaklint_gopy.cache import MALFORMED

            try:
                with open(self.directory / NAME, encoding="utf-8") as handle:
                    data = json.load(handle)
                self._stored = data if isinstance(data, dict) else {}
            except MALFORMED:
                self._stored = {}
        return self._stored


    def _bundle(self) -> dict[str, Any]:
        """Returns the bundled documents by digest ({} without a bundle, or with a malformed one)."""
        if self._shipped is None:
            from leaklint_gopy.cache import MALFORMED

            self._shipped = {}
            try:
                with open(self.bundled / BUNDLE, encoding="utf-8") as handle:  # type: ignore[operator]
                    records = json.load(handle)
                self._shipped = {record["sha256"]: record["document"] for record in records.values()}
            except MALFORMED:
                pass
        return self._shipped


def bundle(directory: Path) -> str:
    """Returns the text of `directory`'s parsed.json: each spec file's digest and document, one line
    per file, sorted by path (a document JSON does not give back exactly is left out)."""
    import tomllib

    lines = []
    for path in sorted(directory.rglob("*.toml")):
        text = path.read_text(encoding="utf-8")
        document = tomllib.loads(text)
        if _exact(document):
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            record = json.dumps({"sha256": digest, "document": document}, ensure_ascii=False, sort_keys=True)
            lines.append(f"{json.dumps(path.relative_to(directory).as_posix())}: {record}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


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


if __name__ == "__main__":  # python -m leaklint_gopy.spec_cache: writes the bundled rules' parsed.json
    import sys

    from leaklint_gopy.config import builtin_rule_dirs

    for rules in builtin_rule_dirs():
        (rules / BUNDLE).write_text(bundle(rules), encoding="utf-8")
        print(f"wrote {rules / BUNDLE}", file=sys.stderr)
