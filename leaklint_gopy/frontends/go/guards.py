"""What a Go `if` condition proves about nil-ness on each of its edges."""
from __future__ import annotations

from tree_sitter import Node

from leaklint_gopy.frontends.go.expr import _args
from leaklint_gopy.frontends.go.typeinfo import text
from leaklint_gopy.ir import Guard


def unparenthesized(node: Node | None) -> Node | None:
    """Returns the expression inside any parentheses around `node` (`((err == nil))`: the comparison)."""
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def _guards(condition: Node | None, known: dict[str, bool] | None = None) -> tuple[Guard | None, Guard | None]:
    """Returns what the true and false edges of `if condition` prove about nil-ness, given the
    boolean variables whose value is `known` where the condition is tested."""
    # Ex) err != nil     Ex) resp == nil     Ex) (err == nil)
    condition = unparenthesized(condition)
    if condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!":
        true, false = _guards(condition.child_by_field_name("operand"), known)
        return (false, true)
    if condition is not None and condition.type == "call_expression":
        # Ex) if errors.Is(err, io.EOF) { return }    (a predicate on err holds only for non-nil err)
        subject = next((text(a) for a in _args(condition) if a.type == "identifier" and "err" in text(a).lower()), None)
        name = text(condition.child_by_field_name("function")).rsplit(".", 1)[-1]
        if subject and name in ("NoError", "NilError"):
            # Ex) if assert.NoError(t, err) { defer resp.Body.Close() }   (true exactly when err is nil)
            return (Guard(subject, "nil"), Guard(subject, "nonnil"))
        return (Guard(subject, "nonnil") if subject else None, None)
    if condition is None or condition.type != "binary_expression":
        return (None, None)
    operator = text(condition.child_by_field_name("operator"))
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    if operator in ("&&", "||"):
        for fixed, other in ((left, right), (right, left)):
            value = flag_value(fixed, known or {})
            if value is not None:
                # Ex) } else if !expectOK && err == nil {   (expectOK is false here: err alone decides)
                return _guards(other, known) if value == (operator == "&&") else (None, None)
        # Ex) resp != nil && resp.Body != nil   (false: one of them is nil, so nothing is open)
        # Ex) err == context.Canceled || err == context.DeadlineExceeded   (true: err is not nil)
        # Ex) err4 != nil && err6 != nil   (true: both are set)
        first, second = _guards(left, known), _guards(right, known)
        index = 1 if operator == "&&" else 0
        both = first[index] is not None and second[index] is not None and first[index].kind == second[index].kind
        shared = first[index] if both and (first[index].kind == "nil" or first[index] == second[index]) else None
        proven = 1 - index  # the edge on which both operands' guards hold
        joined = _conjoin(first[proven], second[proven])
        return (joined, shared) if operator == "&&" else (shared, joined)
    if operator not in ("==", "!="):
        return (None, None)
    empty = _empty_response(left, right)
    if empty is not None:
        # Ex) if resp.ContentLength == 0 { return }   (no body: nothing holds the connection)
        gone = Guard(empty, "nil")
        return (gone, None) if operator == "==" else (None, gone)
    sentinel = _sentinel_comparison(left, right)
    if sentinel is not None:
        # Ex) if err == io.EOF { ... }   (equal to a non-nil sentinel: err is not nil)
        proven = Guard(sentinel, "nonnil")
        return (proven, None) if operator == "==" else (None, proven)
    if right is not None and right.type == "nil":
        subject = _plain_path(left)
    elif left is not None and left.type == "nil":
        subject = _plain_path(right)
    else:
        return (None, None)
    if subject is None:
        return (None, None)
    nil, nonnil = Guard(subject, "nil"), Guard(subject, "nonnil")
    return (nonnil, nil) if operator == "!=" else (nil, nonnil)


def message_guards(condition: Node | None, texts: dict[str, str],
                   messages: set[str]) -> tuple[Guard | None, Guard | None] | None:
    """Returns the guards of comparing an error's text with a message that no nil error prints
    (`if got := fmt.Sprint(err); got != want`), given the variables holding error texts (`texts`:
    name -> error) and messages; None when the condition is not such a comparison."""
    condition = unparenthesized(condition)
    if condition is None or condition.type != "binary_expression":
        return None
    operator = text(condition.child_by_field_name("operator"))
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    if operator not in ("==", "!="):
        return None
    for first, second in ((left, right), (right, left)):
        err = error_text(first, texts)
        if err is not None and (is_message(second) or second is not None and text(second) in messages):
            # Ex) if e, g := `Get "/?n=10": stopped after 10 redirects`, fmt.Sprintf("%v", err); e != g {
            proven = Guard(err, "nonnil")
            return (proven, None) if operator == "==" else (None, proven)
    return None


def error_text(node: Node | None, texts: dict[str, str]) -> str | None:
    """Returns the error whose text `node` is (`fmt.Sprint(err)`, `fmt.Sprintf("%v", err)`, a
    variable holding one), if it is."""
    if node is None:
        return None
    if node.type == "identifier":
        return texts.get(text(node))
    if node.type != "call_expression":
        return None
    args = _args(node)
    function = text(node.child_by_field_name("function"))
    if function == "fmt.Sprint" and len(args) == 1 or function == "fmt.Sprintf" and len(args) == 2 \
            and text(args[0]) in ('"%v"', '"%s"'):
        subject = args[-1]
        return text(subject) if subject.type == "identifier" and "err" in text(subject).lower() else None
    return None


def is_message(node: Node | None) -> bool:
    """Reports whether `node` is a string literal that no nil error prints (not empty, not "<nil>")."""
    if node is None or node.type not in ("interpreted_string_literal", "raw_string_literal"):
        return False
    return text(node)[1:-1] not in ("", "<nil>")


def flag_test(condition: Node | None) -> tuple[str, bool] | None:
    """Returns the boolean variable a condition tests and the value that makes it true (`ok`,
    `!ok`), if it is only that."""
    condition = unparenthesized(condition)
    if condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!":
        inner = flag_test(condition.child_by_field_name("operand"))
        return (inner[0], not inner[1]) if inner else None
    return (text(condition), True) if condition is not None and condition.type == "identifier" else None


def receiver_state(condition: Node | None, receiver: str) -> tuple[str, bool] | None:
    """Returns the state of a method's own object that a condition only tests (`c.closed`,
    `!c.flags.isSet(closeConnection)`, `a.isClosed()`) and the value that makes it true, if it is
    only that: the state's path, or the text of the call testing it."""
    condition = unparenthesized(condition)
    if condition is not None and condition.type == "unary_expression" and text(condition.children[0]) == "!":
        inner = receiver_state(condition.child_by_field_name("operand"), receiver)
        return (inner[0], not inner[1]) if inner else None
    tested = condition.child_by_field_name("function") if condition is not None \
        and condition.type == "call_expression" else condition
    path = _plain_path(tested) if tested is not None and tested.type == "selector_expression" else None
    if path is None or not path.startswith(receiver + "."):
        return None
    return (path if tested is condition else " ".join(text(condition).split()), True)


def flag_value(condition: Node | None, known: dict[str, bool]) -> bool | None:
    """Returns the value of a condition that only tests a boolean variable of known value, else None."""
    tested = flag_test(condition)
    if tested is None or tested[0] not in known:
        return None
    return known[tested[0]] == tested[1]


def _conjoin(first: Guard | None, second: Guard | None) -> Guard | None:
    """Returns a guard proving both `first` and `second` (either alone when the other is None)."""
    if first is None or second is None:
        return first or second
    return Guard(first.subject, first.kind, also=_conjoin(first.also, second))


def _sentinel_comparison(left: Node | None, right: Node | None) -> str | None:
    """Returns the error variable compared with a sentinel error value (`err == ErrClosed`,
    `err == context.Canceled`, `err == io.EOF`), if any."""
    for subject, other in ((left, right), (right, left)):
        name = _plain_path(other) or ""
        last = name.rsplit(".", 1)[-1]
        qualified = other is not None and other.type == "selector_expression" and last[:1].isupper()
        # Ex) err != ExportErrRequestCanceled   (an exported sentinel of the package, as net/http's tests use)
        exported = last[:1].isupper() and "Err" in last[1:]
        if subject is not None and subject.type == "identifier" and "err" in text(subject).lower() \
                and (last.startswith("Err") or last.startswith("err") or qualified or exported) \
                and last != text(subject) and last != "err":
            return text(subject)
    return None


# A response field value meaning it has no body (RFC 9110: 204 and 304 carry none).
_BODYLESS = {"ContentLength": ("0",), "StatusCode": ("204", "304", "StatusNoContent", "StatusNotModified")}


def _empty_response(left: Node | None, right: Node | None) -> str | None:
    """Returns the response compared as bodiless (`resp.ContentLength == 0`, `resp.StatusCode ==
    http.StatusNoContent`), if any."""
    for subject, other in ((left, right), (right, left)):
        if subject is None or other is None or subject.type != "selector_expression":
            continue
        values = _BODYLESS.get(text(subject.child_by_field_name("field")), ())
        if text(other).rsplit(".", 1)[-1] in values:
            return _plain_path(subject.child_by_field_name("operand"))
    return None


def _plain_path(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "identifier":
        return text(node)
    if node.type == "selector_expression":
        base = _plain_path(node.child_by_field_name("operand"))
        return f"{base}.{text(node.child_by_field_name('field'))}" if base else None
    return None
