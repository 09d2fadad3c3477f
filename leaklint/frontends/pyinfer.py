"""The one place the Python front-end asks astroid: what class a library function returns, for a
receiver whose type nothing else tells (`opener = build_opener(); opener.open(u)`).

astroid is imported on first use only and every answer is cached per process, so files without
such receivers never pay for it. It never sees the file under analysis, only installed libraries.
"""
from __future__ import annotations

from functools import cache


@cache
def return_type(function: str) -> str:
    """Returns the qualified class of what library `function` (`urllib.request.build_opener`) returns, or ""."""
    module_name, _, name = function.rpartition(".")
    if not module_name:
        return ""
    try:
        import astroid

        module = astroid.MANAGER.ast_from_module_name(module_name)
        found: set[str] = set()
        for node in module.getattr(name):
            for inferred in node.infer_call_result(None):
                if isinstance(inferred, astroid.Instance):
                    found.add(inferred.pytype())
    except Exception:  # noqa: BLE001 - astroid raises many kinds of errors on odd libraries; unknown is fine
        return ""
    return found.pop() if len(found) == 1 else ""
