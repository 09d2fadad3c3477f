"""The `help:` line of a finding: the fix, in one sentence, derived from the rule specs (how the
resource is released) and the finding's variable. It never analyses; it only words what the rule
and the finding already say.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from leaklint_gopy.report import identity

if TYPE_CHECKING:
    from leaklint_gopy.finding import Finding
    from leaklint_gopy.spec import RuleSpec

_PREFERRED = ("Close", "Rollback", "Stop", "Wait", "close")


def help_text(finding: Finding, rules: dict[str, RuleSpec]) -> str:
    """Returns the fix for `finding` (empty when its rule is unknown)."""
    spec = rules.get(finding.rule_id)
    if spec is None:
        return ""
    origin = rules.get(finding.origin, spec)
    variable = identity(finding)[1]
    name = variable if variable.replace(".", "").replace("_", "").isalnum() else "it"
    if origin.defer_loop_rule == spec.id and origin is not spec:
        return (f"close `{name}` at the end of each iteration, or move the loop body into a function: a defer "
                "runs only when the whole function returns")
    if origin.exception_rule == spec.id and origin is not spec:
        return "open it with `with` (or close it in `finally`), so an exception cannot skip the close"
    if "." in name:  # a field: its owner must release it
        closer = "close(), or __exit__ for `with`" if spec.language == "python" else "a Close method of its type"
        return f"release `{name}` in {closer}, and call that on every path that drops the object"
    if spec.language == "python":
        target = f"`with ... as {name}:`" if name != "it" else "`with`"
        return f"open it with {target} (or close it in `finally`), so it is closed on every path"
    methods = [m for m in origin.release_methods if "#" not in m]
    if not methods:
        return f"make sure it is {origin.released} on every path"
    method = next((m for m in _PREFERRED if m in methods), methods[0])
    suffix = " (a no-op after Commit)" if method == "Rollback" else ""
    if name == "it":
        return f"defer its {method}(){suffix} right after the error check, so it is {origin.released} on every path"
    target = f"{name}.{origin.release_field}" if origin.release_field else name
    return f"add `defer {target}.{method}()`{suffix} right after the error check, so it is {origin.released} on every path"
