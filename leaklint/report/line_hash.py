"""`primaryLocationLineHash`, computed exactly as github/codeql-action's upload step does.

A port of the rolling hash in codeql-action `src/fingerprints.ts`: over UTF-16 code units,
ignoring spaces and tabs, with CR and CRLF read as LF, a window of 100 characters starting at each
line. It owns only that arithmetic; a wrong value is worse than none, so it is tested against the
action's own vectors.
"""
from __future__ import annotations

_MASK = (1 << 64) - 1
_BLOCK = 100
_MOD = 37
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR, _EOF = 9, 32, 10, 13, 65535


def line_hashes(text: str) -> list[str]:
    """Returns `<hex>:<occurrence>` for every line of `text`, in line order (index 0 is line 1)."""
    window = [0] * _BLOCK
    line_at = [-1] * _BLOCK
    hashes: dict[int, str] = {}
    seen: dict[str, int] = {}
    value = index = line = 0
    line_start, prev_cr = True, False

    def emit() -> None:
        key = format(value, "x")
        seen[key] = seen.get(key, 0) + 1
        hashes[line_at[index]] = f"{key}:{seen[key]}"
        line_at[index] = -1

    data = text.encode("utf-16-le")
    units = [data[k] | (data[k + 1] << 8) for k in range(0, len(data), 2)]
    units.append(_EOF)
    for unit in units:
        if unit in (_SPACE, _TAB) or (prev_cr and unit == _LF):
            prev_cr = False
            continue
        prev_cr = unit == _CR
        if prev_cr:
            unit = _LF
        if line_at[index] != -1:
            emit()
        if line_start:
            line_start = False
            line += 1
            line_at[index] = line
        if unit == _LF:
            line_start = True
        value = (_MOD * value + unit - _FIRST_MOD * window[index]) & _MASK
        window[index] = unit
        index = (index + 1) % _BLOCK
    for _ in range(_BLOCK):
        if line_at[index] != -1:
            emit()
        value = (_MOD * value - _FIRST_MOD * window[index]) & _MASK
        window[index] = 0
        index = (index + 1) % _BLOCK
    return [hashes[number] for number in sorted(hashes)]
