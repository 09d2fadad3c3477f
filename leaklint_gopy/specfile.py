"""One rule spec file: reads `rules/<lang>/<name>.toml` and validates it key by key into a
RuleSpec, rejecting unknown keys (a typo is an error, not a silent no-op). It knows nothing
about matching calls or analysis (spec.py).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leaklint_gopy.spec import SEVERITIES, Acquire, RuleSpec, SpecError

if TYPE_CHECKING:
    from leaklint_gopy.spec_cache import ParsedSpecs

_ID = re.compile(r"^[A-Z]{2}\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SPEC_BYTES = 1024 * 1024
_DOC_SECTIONS = ("what", "why", "example", "use_instead")


def read(path: Path, specs: ParsedSpecs | None = None) -> RuleSpec:
    """Returns the validated spec in `path` (its TOML parsed by `specs` when given); raises SpecError
    naming the file and the key."""
    from leaklint_gopy.filesystem import Unreadable, read_text

    try:
        text = read_text(path, _SPEC_BYTES)
    except Unreadable as exc:
        raise SpecError(f"{path}: cannot read rule spec: {str(exc).removeprefix('cannot read file: ')}") from None
    try:
        data = specs.parsed(text) if specs is not None else _toml(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError, the only ValueError either raises
        raise SpecError(f"{path}: cannot read rule spec: {exc}") from None
    reader = _Reader(path, data)
    derived = tuple(reader.strings("options.derived_from", required=False))
    spec = RuleSpec(
        id=reader.text("id", pattern=_ID),
        name=reader.text("name", pattern=_NAME),
        language=reader.text("language", choices=("go", "python")),
        severity=reader.text("severity", choices=SEVERITIES),
        precision=reader.text("precision", choices=("very-high", "high", "medium", "low")),
        resource=reader.text("resource"),
        title=reader.text("title"),
        cwe=tuple(reader.ints("cwe")),
        tags=tuple(reader.strings("tags", required=False)),
        acquire=tuple(_acquire(reader, i, item) for i, item in enumerate(reader.tables("acquire", derived))),
        release_methods=tuple(reader.strings("release.methods", required=False)),
        release_calls=tuple(reader.strings("release.calls", required=False)),
        release_field=reader.text("release.field", required=False),
        borrow_calls=tuple(reader.strings("borrow.calls", required=False)),
        drain_calls=tuple(reader.strings("drain.calls", required=False)),
        drain_methods=tuple(reader.strings("drain.methods", required=False)),
        handoff_calls=tuple(reader.strings("handoff.calls", required=False)),
        wrap_calls=tuple(reader.strings("wrap.calls", required=False)),
        unresolved_calls=reader.text("options.unresolved_calls", required=False,
                                     choices=("handoff", "borrow", "classes-take"))
        or "handoff",
        exception_rule=reader.text("options.exception_rule", required=False) or None,
        subject=reader.text("subject", required=False) or "{resource} `{var}`",
        released=reader.text("released", required=False) or "closed",
        docs={key: reader.text(f"docs.{key}") for key in _DOC_SECTIONS},
        source=str(path),
        drained_rule=reader.text("options.drained_rule", required=False) or None,
        defer_loop_rule=reader.text("options.defer_loop_rule", required=False) or None,
        derived_from=derived,
        before_go=_version(reader, "options.before_go"),
        quiet_calls=tuple(reader.strings("quiet.calls", required=False)),
        fix_release=reader.text("fix.release", required=False),
        raising_calls=tuple(reader.strings("raising.calls", required=False)),
        handle_calls=tuple(reader.strings("release.handle_calls", required=False)),
        handles=tuple(reader.strings("release.handles", required=False)),
    )
    reader.reject_unknown()
    if path.stem != spec.name:
        raise SpecError(f"{path}: file name must equal the rule name {spec.name!r}")
    return spec


def _toml(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


def _version(reader: _Reader, key: str) -> tuple[int, int] | None:
    """Returns a `major.minor` Go version key as a tuple; raises SpecError for another form."""
    value = reader.text(key, required=False)
    if not value:
        return None
    match = re.fullmatch(r"(\d+)\.(\d+)", value)
    if match is None:
        raise SpecError(f"{reader.path}: key {key} must be a Go version like \"1.23\"")
    return int(match.group(1)), int(match.group(2))


def _acquire(reader: _Reader, index: int, item: dict) -> Acquire:
    prefix = f"acquire[{index}]"
    sub = _Reader(reader.path, item, prefix)
    kwargs = sub.table("kwargs", required=False)
    unless = sub.table("unless", required=False)
    at_exit = sub.table("released_at_exit", required=False)
    clause = Acquire(
        calls=tuple(sub.strings("calls", required=not item.get("result_types"))),
        result_types=tuple(sub.strings("result_types", required=False)),
        only_typed=tuple(sub.strings("only_typed", required=False)),
        except_calls=tuple(sub.strings("except_calls", required=False)),
        awaited_release=sub.bool("awaited_release"),
        release_methods=tuple(sub.strings("release_methods", required=False)),
        released=sub.text("released", required=False) or "",
        field=sub.text("field", required=False) or None,
        object_release_methods=tuple(sub.strings("object_release_methods", required=False)),
        with_next=sub.bool("with_next"),
        results=tuple(sub.ints("results", required=False) or [0]),
        error_result=sub.int("error_result", required=False),
        kwargs=tuple(sorted((str(k), str(v)) for k, v in kwargs.items())),
        unless=tuple(sorted((str(k), str(v)) for k, v in unless.items())),
        released_at_exit=tuple(sorted((str(k), str(v)) for k, v in at_exit.items())),
        release_calls=tuple(sub.strings("release_calls", required=False)),
        receiver=sub.bool("receiver"),
        more_fields=tuple(sub.strings("fields", required=False)),
        takes_over_arg=sub.int("takes_over_arg", required=False),
        resource=sub.text("resource", required=False),
        type=sub.text("type", required=False),
        context=sub.text("context", required=False, choices=("with", "async with")),
        buffered_methods=tuple(sub.strings("buffered_methods", required=False)),
        unbuffered=tuple(sorted((str(k), str(v)) for k, v in sub.table("unbuffered", required=False).items())),
        same_object_methods=tuple(sub.strings("same_object_methods", required=False)),
        handshake_errors=tuple(sub.strings("handshake_errors", required=False)),
        lazy=sub.bool("lazy"),
        connects=tuple(sub.strings("connects", required=False)),
    )
    sub.reject_unknown()
    return clause


class _Reader:
    """Reads typed keys from a TOML table, remembering which keys were used."""

    def __init__(self, path: Path, data: dict, prefix: str = "") -> None:
        self.path, self.data, self.prefix, self.used = path, data, prefix, set()

    def _get(self, dotted: str, required: bool):
        node = self.data
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            self.used.add(".".join(parts[: i + 1]))
            if not isinstance(node, dict) or part not in node:
                if required:
                    raise SpecError(f"{self.path}: missing key {self._name(dotted)}")
                return None
            node = node[part]
        return node

    def _name(self, dotted: str) -> str:
        return f"{self.prefix}.{dotted}" if self.prefix else dotted

    def _fail(self, dotted: str, what: str) -> SpecError:
        return SpecError(f"{self.path}: key {self._name(dotted)} must be {what}")

    def text(self, dotted: str, required: bool = True, pattern: re.Pattern | None = None,
             choices: tuple[str, ...] = ()) -> str:
        value = self._get(dotted, required)
        if value is None:
            return ""
        if not isinstance(value, str) or (pattern and not pattern.match(value)):
            raise self._fail(dotted, f"a string{' matching ' + pattern.pattern if pattern else ''}")
        if choices and value not in choices:
            raise self._fail(dotted, f"one of {', '.join(choices)}")
        return value

    def strings(self, dotted: str, required: bool = True) -> list[str]:
        value = self._get(dotted, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(dotted, "a list of strings")
        return value

    def ints(self, dotted: str, required: bool = True) -> list[int]:
        value = self._get(dotted, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            raise self._fail(dotted, "a list of integers")
        return value

    def int(self, dotted: str, required: bool = True) -> int | None:
        value = self._get(dotted, required)
        if value is not None and type(value) is not int:
            raise self._fail(dotted, "an integer")
        return value

    def bool(self, dotted: str) -> bool:
        value = self._get(dotted, False)
        if value is not None and not isinstance(value, bool):
            raise self._fail(dotted, "true or false")
        return bool(value)

    def table(self, dotted: str, required: bool = True) -> dict:
        value = self._get(dotted, required)
        if value is not None and not isinstance(value, dict):
            raise self._fail(dotted, "a table")
        return value or {}

    def tables(self, dotted: str, optional: bool = False) -> list[dict]:
        value = self._get(dotted, not optional)
        if value is None and optional:
            return []
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self._fail(dotted, "a non-empty array of tables ([[acquire]])")
        return value

    def reject_unknown(self) -> None:
        """Raises SpecError for the first key that no reader asked for (a typo, not a silent no-op)."""
        for key in _flatten(self.data):
            if key not in self.used and not key.startswith("acquire"):
                raise SpecError(f"{self.path}: unknown key {self._name(key)}")


def _flatten(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key not in ("kwargs", "unless", "released_at_exit", "unbuffered"):
            keys.extend(_flatten(value, name + "."))
        else:
            keys.append(name)
    return keys
