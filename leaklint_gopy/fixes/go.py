"""Go fixes as byte edits on the tree-sitter tree, laid out as gofmt lays them (tabs at the
block's level): a `defer x.Close()` after the error check, an existing defer moved up to it, a
discarded result bound and closed; GoFixer also dispatches to the loop (goloop.py) and ticker
(goticker.py) fixes.

It proposes; verify.py decides. A shape it does not recognise exactly gets no fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter as ts

from leaklint_gopy.finding import Finding, Fix
from leaklint_gopy.fixes.goloop import wrap_loop
from leaklint_gopy.fixes.goticker import ticker
from leaklint_gopy.fixes.gotree import (DECLARATIONS, FUNCTIONS, GoFile, bound_names, call_at, declaration, descendants,
                                   enclosing_function, fresh_name, next_statement, own_lines)

_EXITS = re.compile(r"^(return\b|panic\(|os\.Exit\(|log\.(Fatal|Panic)\w*\(|\w+\.(Fatal|Fatalf|FailNow|Skip|Skipf|SkipNow)\()")
_NAMES = {"LL101": "resp", "LL102": "conn", "LL103": "f", "LL104": "rows", "LL110": "tx", "LL108": "ticker"}
# Releases that may run twice without harm: a second Close of a response body returns nil.
_BORROWERS = frozenset({"io.ReadAll", "ioutil.ReadAll", "io.Copy", "io.CopyN", "json.NewDecoder", "xml.NewDecoder",
                        "bufio.NewScanner", "httputil.DumpResponse", "fmt.Fprintf", "fmt.Fprintln", "fmt.Fprint"})
_IDEMPOTENT = frozenset({"Body.Close", "Stop", "Rollback"})



class GoFixer:
    """Proposes the Go fixes (see the module docstring)."""

    def propose(self, finding: Finding, text: str) -> Fix | None:
        """Returns an unverified fix for `finding` in the file `text`, or None."""
        file = GoFile.read(text, finding.span.path)
        if file.tree.root_node.has_error:
            return None
        if "defer-loop" in finding.exits:
            return wrap_loop(file, finding)
        if not finding.release:
            return None
        call = call_at(file, finding)
        if call is not None and finding.release == "Stop" and file.text(call.child_by_field_name("function")).endswith(".Tick"):
            return ticker(file, call)
        statement = declaration(call) if call is not None else None
        if statement is None:
            return _bind_in_condition(file, finding, call) if call is not None and "discarded" in finding.exits else None
        if "discarded" in finding.exits:
            return _bind_discarded(file, finding, statement)
        return _defer_after_check(file, finding, statement)


# -- a defer after the error check ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Place:
    """Where the resource is known valid: insert `\n<indent>stmt` at byte `insert`; an existing
    defer may be moved there from `later` (statements of the same block that run after it)."""

    insert: int
    indent: str
    later: tuple[ts.Node, ...]
    where: str


def _defer_after_check(file: GoFile, finding: Finding, statement: ts.Node) -> Fix | None:
    # Ex) resp, err := c.Do(req); if err != nil { return err }   ->   defer resp.Body.Close()
    names = bound_names(file, statement)
    holder = finding.variable
    if not holder or holder not in names or not _holder_stays(file, finding, statement, holder):
        return None
    place = _checked(file, statement, names, holder)
    if place is None:
        return _guarded_defer(file, finding, statement, names, holder)
    existing = _existing_defer(file, place.later, holder, finding.release)
    if existing is not None:
        if _reassigned_between(file, place.later, existing, holder):
            return None
        line_start, line_end = _whole_lines(file, existing)
        moved = file.data[existing.start_byte:file.line_end(existing.end_byte)].decode()
        return Fix(f"move `{file.text(existing)}` up to just {place.where}", "safe",
                   (file.edit(place.insert, place.insert, f"\n{place.indent}{moved}"),
                    file.edit(line_start, line_end, "")))
    if _closed_elsewhere(file, statement, holder, finding.release) and finding.release not in _IDEMPOTENT:
        applicability = "unsafe"  # a second Close reports an error nobody reads, but it runs
    else:
        applicability = "safe"
    text = f"defer {holder}.{finding.release}()"
    return Fix(f"add `{text}` {place.where}", applicability,
               (file.edit(place.insert, place.insert, f"\n{place.indent}{text}"),))


def _guarded_defer(file: GoFile, finding: Finding, statement: ts.Node, names: list[str], holder: str) -> Fix | None:
    # Ex) res, err := c.Get(u); if err == nil && res.StatusCode == 404 { return }
    #     ->  res, err := c.Get(u); if err == nil { defer res.Body.Close() }; if err == nil && ...
    error = _error_of(names, holder)
    if not error:
        return None
    applicability = "unsafe" if _closed_elsewhere(file, statement, holder, finding.release) \
        and finding.release not in _IDEMPOTENT else "safe"
    indent = file.indent(statement)
    text = f"defer {holder}.{finding.release}()"
    insert = file.line_end(statement.end_byte)
    return Fix(f"add `if {error} == nil {{ {text} }}` after the call", applicability,
               (file.edit(insert, insert, f"\n{indent}if {error} == nil {{\n{indent}\t{text}\n{indent}}}"),))


def _error_of(names: list[str], holder: str) -> str:
    """Returns the error of `holder, err := call`, or "" when there is none or it is discarded."""
    errors = [n for n in names[1:] if n != holder] if names and names[0] == holder else []
    return errors[0] if len(errors) == 1 and errors[0] and errors[0] != "_" else ""


def _checked(file: GoFile, statement: ts.Node, names: list[str], holder: str) -> _Place | None:
    """Returns where the resource is known valid: after the call when it returns no error, after an
    `if err != nil { return }` or a `require.NoError(t, err)` right after it (or at the top of
    the `if`'s `else`), or at the top of an `if err == nil { ... }` right after it; None when the
    error is ignored or checked elsewhere (a defer there would dereference nil)."""
    indent = file.indent(statement)
    if len(names) == 1:
        return _Place(file.line_end(statement.end_byte), indent, _after(statement), "after the call")
    error = _error_of(names, holder)
    if not error:
        return None
    guard = next_statement(statement)
    if guard is not None and _stops_the_test(file, guard, error):
        # Ex) resp, err := c.Do(req); require.NoError(t, err)
        return _Place(file.line_end(guard.end_byte), indent, _after(guard), "after the error check")
    if guard is None or guard.type != "if_statement" or guard.child_by_field_name("initializer") is not None:
        return None
    condition = re.sub(r"\s+", "", file.text(guard.child_by_field_name("condition")))
    consequence, alternative = guard.child_by_field_name("consequence"), guard.child_by_field_name("alternative")
    if condition == f"{error}==nil" and alternative is None:
        # Ex) f, err := os.Open(p); if err == nil { ...use f... }
        return _top_of(file, consequence, indent, "where the call succeeded")
    if condition != f"{error}!=nil" or not _terminates(file, consequence):
        return None
    if alternative is None:
        return _Place(file.line_end(guard.end_byte), indent, _after(guard), "after the error check")
    if alternative.type == "block":
        # Ex) if err != nil { return err } else { ...use resp... }
        return _top_of(file, alternative, indent, "after the error check")
    return None


def _stops_the_test(file: GoFile, statement: ts.Node, error: str) -> bool:
    """Reports whether `statement` is an assertion that ends the test unless `error` is nil:
    testify's `require.NoError(t, err)` / `require.Nil(t, err)`, gotest.tools' `assert.NilError(t, err)`
    (the package names must come from those imports: testify's `assert.NoError` goes on)."""
    if statement.type != "expression_statement":
        return False
    match = re.fullmatch(rf"(\w+)\.(NoError|Nil|NilError)\(\w+,{re.escape(error)}[,)].*", re.sub(r"\s+", "", file.text(statement)))
    if match is None:
        return False
    path = _imports(file).get(match.group(1), "")
    if path.endswith("stretchr/testify/require"):
        return match.group(2) in ("NoError", "Nil")
    return bool(re.fullmatch(r"gotest\.tools(/v\d+)?/assert", path)) and match.group(2) == "NilError"


def _imports(file: GoFile) -> dict[str, str]:
    """Returns the file's imports by the name they are used under."""
    found = {}
    for node in descendants(file.tree.root_node):
        if node.type == "import_spec":
            path = file.text(node.child_by_field_name("path")).strip('"`')
            name = node.child_by_field_name("name")
            found[file.text(name) if name is not None else path.rsplit("/", 1)[-1]] = path
    return found


def _top_of(file: GoFile, block: ts.Node | None, indent: str, where: str) -> _Place | None:
    if block is None or not own_lines(file, block, comment=True):
        return None
    return _Place(file.line_end(block.children[0].end_byte), indent + "\t", tuple(_statements(block)), where)


def _after(node: ts.Node) -> tuple[ts.Node, ...]:
    later, sibling = [], node.next_named_sibling
    while sibling is not None:
        later.append(sibling)
        sibling = sibling.next_named_sibling
    return tuple(later)


def _terminates(file: GoFile, block: ts.Node | None) -> bool:
    """Reports whether a block ends by leaving: return, panic, os.Exit, t.Fatal, log.Fatal,
    continue, break or goto."""
    body = _statements(block)
    if not body:
        return False
    last = body[-1]
    if last.type in ("return_statement", "continue_statement", "break_statement", "goto_statement"):
        return True
    return last.type == "expression_statement" and bool(_EXITS.match(file.text(last)))


def _statements(block: ts.Node | None) -> list[ts.Node]:
    if block is None:
        return []
    inner = next((c for c in block.named_children if c.type == "statement_list"), None)
    return [c for c in inner.named_children if c.type != "comment"] if inner is not None else []


def _holder_stays(file: GoFile, finding: Finding, statement: ts.Node, holder: str) -> bool:
    """Reports whether the function keeps `holder` to itself: never returns it (nor its released
    field), stores, sends or copies it, or hands it to a goroutine or a closure it does not defer."""
    function = enclosing_function(statement)
    if function is None:
        return False
    field = finding.release.split(".")[0] if "." in finding.release else ""
    loop = statement.parent
    while loop is not None and loop.type not in ("for_statement", *FUNCTIONS):
        loop = loop.parent
    scope_start = loop.start_byte if loop is not None and loop.type == "for_statement" else statement.end_byte
    for node in _identifiers(function, holder):  # Ex) a parameter of the same name before it is another variable
        if node.start_byte < scope_start or statement.start_byte <= node.start_byte < statement.end_byte:
            continue
        if not _stays(file, node, field):
            return False
    return True


def _identifiers(root: ts.Node, name: str) -> list[ts.Node]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node.type == "identifier" and node.text == name.encode():
            found.append(node)
        stack.extend(node.children)
    return found


def _stays(file: GoFile, node: ts.Node, field: str) -> bool:
    """Reports whether this use of the holder leaves it with the function."""
    parent = node.parent
    if parent is not None and parent.type == "selector_expression" and parent.child_by_field_name("operand") == node:
        if file.text(parent.child_by_field_name("field")) != field:
            return True  # Ex) resp.StatusCode, conn.Write(b)
        node, parent = parent, parent.parent  # Ex) resp.Body: what happens to the body?
        if parent is not None and parent.type == "selector_expression":
            return True  # Ex) resp.Body.Read(p)
    if parent is None:
        return False
    if parent.type == "argument_list":
        call = parent.parent
        function = file.text(call.child_by_field_name("function")) if call is not None else ""
        return function in _BORROWERS or function != "append" and _stays_in(call)
    if parent.type == "binary_expression":
        return True  # Ex) resp != nil
    if parent.type == "expression_list" and parent.parent is not None and parent.parent.type in DECLARATIONS:
        return parent.parent.child_by_field_name("left") == parent  # Ex) resp, err = c.Do(again)
    return parent.type in ("if_statement", "expression_switch_statement")


def _stays_in(node: ts.Node | None) -> bool:
    """Reports whether no enclosing construct up to the function hands the value away."""
    while node is not None and node.type not in FUNCTIONS:
        if node.type in ("return_statement", "go_statement", "send_statement", "composite_literal", "keyed_element"):
            return False
        node = node.parent
    if node is not None and node.type == "func_literal":
        holder = node.parent
        deferred = holder is not None and holder.type == "call_expression" and holder.parent is not None \
            and holder.parent.type in ("defer_statement", "expression_statement")
        return deferred
    return True


def _existing_defer(file: GoFile, later: tuple[ts.Node, ...], holder: str, release: str) -> ts.Node | None:
    """Returns a later `defer holder.Release()` (or a deferred closure calling it) of the same block."""
    call = f"{holder}.{release}("
    return next((node for node in later
                 if node.type == "defer_statement" and call in re.sub(r"\s+", "", file.text(node))), None)


def _whole_lines(file: GoFile, node: ts.Node) -> tuple[int, int]:
    """Returns the byte range of the lines holding `node`, their newline included, and one of two
    blank lines that would then meet (gofmt keeps one)."""
    start = file.data.rfind(b"\n", 0, node.start_byte) + 1
    end = file.line_end(node.end_byte) + 1
    before = file.data[:start].endswith(b"\n\n") or start == 0
    after = file.data[end:end + 1] == b"\n" or file.data[end:].lstrip(b" \t").startswith(b"\n")
    if before and after:
        end = file.line_end(end) + 1
    elif after and file.data[end:].lstrip(b" \t\n").startswith(b"}"):
        end = file.line_end(end) + 1  # Ex) a blank line would end the block
    return start, min(end, len(file.data))


def _reassigned_between(file: GoFile, later: tuple[ts.Node, ...], existing: ts.Node, holder: str) -> bool:
    for node in later:
        if node == existing:
            return False
        for ident in _identifiers(node, holder):
            parent = ident.parent
            if parent is not None and parent.parent is not None and parent.parent.type in DECLARATIONS \
                    and parent.parent.child_by_field_name("left") == parent:
                return True
    return False


def _closed_elsewhere(file: GoFile, statement: ts.Node, holder: str, release: str) -> bool:
    function = enclosing_function(statement)
    return function is not None and f"{holder}.{release}(" in re.sub(r"\s+", "", file.text(function))


# -- a discarded result ---------------------------------------------------------------------------
def _bind_discarded(file: GoFile, finding: Finding, statement: ts.Node) -> Fix | None:
    # Ex) _, err := c.Do(req); if err != nil { ... }   ->   resp, err := ...; defer resp.Body.Close()
    left = statement.child_by_field_name("left")
    if statement.type != "short_var_declaration" or left is None or left.named_child_count < 2:
        return None
    blank = left.named_children[0]
    if file.text(blank) != "_":
        return None
    function = enclosing_function(statement)
    name = fresh_name(file, function, _NAMES.get(finding.rule_id, "res"))
    names = [name, *bound_names(file, statement)[1:]]
    indent = file.indent(statement)
    bind = file.edit(blank.start_byte, blank.end_byte, name)
    place = _checked(file, statement, names, name)
    if place is not None:
        text = f"defer {name}.{finding.release}()"
        return Fix(f"bind the result to `{name}` and add `{text}`", "safe",
                   (bind, file.edit(place.insert, place.insert, f"\n{place.indent}{text}")))
    error = names[-1] if len(names) == 2 else ""
    if not error or error == "_":
        return None
    # Ex) _, err := c.Do(req); return err   ->   resp, err := ...; if err == nil { resp.Body.Close() }
    text = f"if {error} == nil {{\n{indent}\t{name}.{finding.release}()\n{indent}}}"
    insert = file.line_end(statement.end_byte)
    return Fix(f"bind the result to `{name}` and close it at once", "safe",
               (bind, file.edit(insert, insert, f"\n{indent}{text}")))


def _bind_in_condition(file: GoFile, finding: Finding, call: ts.Node) -> Fix | None:
    # Ex) if _, err := http.Get(u); err == nil { return nil }
    #     ->  if resp, err := http.Get(u); err == nil { resp.Body.Close(); return nil }
    values = call.parent
    statement = values.parent if values is not None else None
    guard = statement.parent if statement is not None else None
    if statement is None or statement.type != "short_var_declaration" or values.named_child_count != 1 \
            or guard is None or guard.type != "if_statement" or guard.child_by_field_name("initializer") != statement:
        return None
    left = statement.child_by_field_name("left")
    names = bound_names(file, statement)
    if len(names) != 2 or names[0] != "_" or names[1] in ("", "_"):
        return None
    condition = re.sub(r"\s+", "", file.text(guard.child_by_field_name("condition")))
    alternative = guard.child_by_field_name("alternative")
    if condition == f"{names[1]}==nil":
        block = guard.child_by_field_name("consequence")
    elif condition == f"{names[1]}!=nil" and alternative is not None and alternative.type == "block":
        block = alternative
    else:
        return None
    if block is None or not own_lines(file, block, comment=True):
        return None
    name = fresh_name(file, enclosing_function(guard), _NAMES.get(finding.rule_id, "res"))
    text = f"{name}.{finding.release}()"
    insert = file.line_end(block.children[0].end_byte)
    return Fix(f"bind the result to `{name}` and close it at once where the call succeeded", "safe",
               (file.edit(left.named_children[0].start_byte, left.named_children[0].end_byte, name),
                file.edit(insert, insert, f"\n{file.indent(guard)}\t{text}")))
