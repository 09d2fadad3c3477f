"""How a leak reads in a finding: the one leak kept per exit, their order, the message naming the
resource, the variable, the call and the exit, and the note at each exit."""
from __future__ import annotations

from leaklint_gopy.facts import Leak, Site
from leaklint_gopy.finding import Span


_EXIT_PHRASES = {
    "return": "when returning at line {line}",
    "end": "when the function ends at line {line}",
    "continue": "when continuing at line {line}",
    "break": "when breaking at line {line}",
    "iteration": "when the loop iteration ends at line {line}",
    "scope": "when it goes out of scope at line {line}",
    "raise": "when raising at line {line}",
    "exception": "if an exception is raised at line {line}",
    "abandon": "if the generator is abandoned at the yield at line {line}",
}


def unique_leaks(leaks: list[Leak]) -> list[Leak]:
    """Returns one leak per kind and position, in a fixed order: the engine reports them in the
    order it walks its sets of facts, which follows string hashing (PYTHONHASHSEED), so the kept
    one (its detail, whether it was drained, whether a lazy resource was used) and the order of exits
    shown must not depend on it."""
    seen, out = set(), []
    for leak in sorted(leaks, key=lambda l: (span_position(l.span), exit_rank(l.kind), l.kind, l.detail, l.owner, l.drained,
                                             not l.used, l.span.path, l.span.end_line, l.span.end_col)):
        key = (leak.kind, span_position(leak.span))
        if key not in seen:
            seen.add(key)
            out.append(leak)
    return out


def span_position(span: Span) -> tuple[int, int]:
    return (span.line, span.col)


def exit_rank(kind: str) -> int:
    """Returns how early a finding's message names an exit of this kind: a generator abandoned at a
    yield only after the exits every run may take (httpie's collect_messages never closes its session
    on any path: "when the function ends" says so, "if abandoned" suggests only a finally is missing)."""
    return {"discarded": 0, "defer-loop": 1, "replaced": 2, "abandon": 4}.get(kind, 3)


def resource_name(site: Site) -> str:
    return site.clause.resource or site.spec.resource


def finding_message(site: Site, leak: Leak) -> str:
    """Returns the finding's message: resource, variable, call, and the exit where it leaks."""
    variable = site.variable
    named = variable is not None and not variable.startswith("$")
    subject = site.spec.subject.format(resource=resource_name(site), var=variable) if named else resource_name(site)
    head = f"{subject} from {site.call.display}"
    closed = site.clause.released or site.spec.released
    line = leak.span.line
    match leak.kind:
        case "discarded":
            return f"{head} is not {closed}: the result is discarded"
        case "defer-loop":
            return f"{head} is {closed} by a defer inside a loop at line {line}: every iteration stays open until the function returns"
        case "replaced":
            return f"{head} is not {closed} when its {leak.detail} is replaced at line {line}"
        case "overwrite":
            return f"{head} is not {closed} when `{leak.detail}` is overwritten at line {line}"
        case "unowned" if "." in leak.detail and leak.owner.endswith(", whose Close"):
            return f"{head} is stored on `{leak.detail}` by {leak.owner} never closes it"
        case "unowned" if "." in leak.detail:
            return f"{head} is stored on `{leak.detail}` by {leak.owner}, which never closes it"
        case "unowned":
            return f"{head} is never {closed}: {leak.owner} has no function or atexit hook that closes `{leak.detail}`"
        case "exception" if site.spec.is_raising(leak.detail):
            return f"{head} is not {closed} if {leak.detail.rpartition('.')[2]}() fails at line {line}"
    return f"{head} is not {closed} {_EXIT_PHRASES.get(leak.kind, 'at line {line}').format(line=line)}"


def exit_note(leak: Leak) -> str:
    notes = {
        "return": "returns here", "end": "the function ends here", "continue": "continues here",
        "break": "breaks here", "iteration": "the loop iteration ends here", "scope": "goes out of scope here",
        "overwrite": "overwritten here", "replaced": "replaced here", "discarded": "result discarded here",
        "defer-loop": "deferred inside a loop here", "raise": "raises here", "exception": "an exception may escape here",
        "abandon": "the generator may be abandoned here", "unowned": "stored where nothing closes it",
    }
    return notes.get(leak.kind, "leaks here")
