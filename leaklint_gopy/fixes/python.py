"""Python fixes as libcst rewrites, which keep every comment and all formatting they do not touch:
a resource bound and used in one block becomes `with call() as x:` (`async with` where the rule
says so), `open(p).read()` becomes `with open(p) as f: data = f.read()`, and where `with` does not
fit, `try/finally` closes it (unsafe).

libcst is parsed only here, for files with a finding; analysis stays on `ast`. It proposes;
verify.py decides. A shape it does not recognise exactly gets no fix.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from leaklint_gopy.finding import Edit, Finding, Fix
from leaklint_gopy.fixes.source import SourceText

_NAMES = {"LL205": "f", "LL202": "resp", "LL201": "sock", "LL208": "archive", "LL207": "proc", "LL203": "session"}
_CONDITIONAL = (cst.IfExp, cst.BooleanOperation, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_KEEPERS = frozenset({"append", "add", "extend", "insert", "put", "put_nowait", "appendleft", "setdefault", "update"})
_SCOPES = (cst.FunctionDef, cst.Module)
# Leaks a block closing the resource removes (not a stored, overwritten or abandoned one).
_EXITS = frozenset({"return", "end", "raise", "exception", "scope", "iteration", "continue", "break"})


@dataclass(slots=True)
class _Tree:
    """A parsed file with the metadata the fixes read."""

    module: cst.Module
    parents: dict
    positions: dict

    @classmethod
    def parse(cls, text: str) -> _Tree | None:
        try:
            wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
            parents = wrapper.resolve(ParentNodeProvider)
            positions = wrapper.resolve(PositionProvider)
        except (cst.ParserSyntaxError, RecursionError, Exception):  # noqa: BLE001 - no tree, no fix
            return None
        return cls(wrapper.module, parents, positions)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode):
        node = self.parent(node)
        while node is not None:
            yield node
            node = self.parent(node)


class PythonFixer:
    """Proposes the Python fixes (see the module docstring); one parse per file text."""

    def __init__(self) -> None:
        self._trees: dict[str, _Tree | None] = {}

    def propose(self, finding: Finding, text: str) -> Fix | None:
        """Returns an unverified fix for `finding` in the file `text`, or None."""
        if not (finding.context or finding.release) or not finding.exits or not set(finding.exits) <= _EXITS:
            return None
        if text not in self._trees:
            self._trees = {text: _Tree.parse(text)}
        tree = self._trees[text]
        call = _call_at(tree, finding) if tree is not None else None
        if call is None:
            return None
        fixed = _rewrite(tree, finding, call)
        if fixed is None:
            return None
        message, applicability, module = fixed
        return Fix(message, applicability, (_edit(text, module.code, finding.span.path),))


def _call_at(tree: _Tree, finding: Finding) -> cst.Call | None:
    """Returns the call the finding names (line, 0-based column), or the only call starting on its line."""
    on_line = [(node, pos) for node, pos in tree.positions.items()
               if isinstance(node, cst.Call) and pos.start.line == finding.span.line]
    exact = [node for node, pos in on_line if pos.start.column == finding.span.col - 1]
    return exact[0] if exact else (on_line[0][0] if len(on_line) == 1 else None)


def _rewrite(tree: _Tree, finding: Finding, call: cst.Call) -> tuple[str, str, cst.Module] | None:
    parent = tree.parent(call)
    awaited = isinstance(parent, cst.Await)
    value = parent if awaited else call
    statement = tree.parent(value)
    if isinstance(statement, cst.Assign) and finding.variable and not finding.variable.startswith("$"):
        return _bound(tree, finding, call, statement, awaited)
    if isinstance(statement, cst.Expr) and isinstance(call.func, cst.Attribute) \
            and isinstance(call.func.value, cst.Name) and call.func.value.value == finding.variable:
        return _receiver(tree, finding, statement)
    if not awaited:
        return _inline(tree, finding, call)
    return None


def _block_of(tree: _Tree, statement: cst.CSTNode) -> tuple[cst.CSTNode, int] | None:
    """Returns the block (IndentedBlock or Module) holding `statement` directly, and its index."""
    block = tree.parent(statement)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return None
    return block, next(i for i, s in enumerate(block.body) if s is statement)


# -- x = call(...) ... x.close()   ->   with call(...) as x: ... ------------------------------------
def _bound(tree: _Tree, finding: Finding, call: cst.Call, assign: cst.Assign,
           awaited: bool) -> tuple[str, str, cst.Module] | None:
    line = tree.parent(assign)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or len(assign.targets) != 1:
        return None
    holder = finding.variable
    target = assign.targets[0].target
    placed = _block_of(tree, line)
    if placed is None:
        return None
    block, index = placed
    scope = next((a for a in tree.ancestors(line) if isinstance(a, _SCOPES)), tree.module)
    region = _region(block.body, index, holder)
    if region is None or not _keeps(tree, scope, block.body[index:region.stop], holder, line):
        return None
    body = list(block.body[index + 1:region.stop])
    closing = _trailing_close(body, holder, finding.release)
    if closing:
        body = body[:-1]
    asynchronous = finding.context == "async with"
    in_async = isinstance(scope, cst.FunctionDef) and scope.asynchronous is not None
    simple = isinstance(target, cst.Name) and target.value == holder
    if finding.context and simple and awaited == asynchronous and (in_async or not asynchronous):
        # Ex) resp = urlopen(u); data = resp.read(); resp.close()  ->  with urlopen(u) as resp: ...
        item = cst.WithItem(call, asname=cst.AsName(cst.Name(holder)))
        new = _with(item, body, line, asynchronous)
        replaced = [new]
        what = f"use `{'async with' if asynchronous else 'with'}` for `{holder}`"
    elif finding.context == "with" and _names_holder(target, holder):
        # Ex) conn, addr = srv.accept(); ...  ->  conn, addr = srv.accept(); with conn: ...
        replaced = [line, _with(cst.WithItem(cst.Name(holder)), body, None, False)]
        what = f"close `{holder}` with `with {holder}:`"
    elif finding.release and not finding.release.startswith("_") and not asynchronous and _names_holder(target, holder):
        # Ex) h = http.client.HTTPConnection(host); ...  ->  try: ... finally: h.close()
        closer = cst.SimpleStatementLine([cst.Expr(cst.Call(cst.Attribute(cst.Name(holder), cst.Name(finding.release))))])
        handler = cst.Try(cst.IndentedBlock(body or [cst.SimpleStatementLine([cst.Pass()])]),
                          finalbody=cst.Finally(cst.IndentedBlock([closer])))
        replaced = [line, handler]
        return (f"close `{holder}` in `try/finally`", "unsafe",
                _replace(tree, block, index, region.stop, replaced))
    else:
        return None
    return what, "safe", _replace(tree, block, index, region.stop, replaced)


def _receiver(tree: _Tree, finding: Finding, expr: cst.Expr) -> tuple[str, str, cst.Module] | None:
    # Ex) conn.request("GET", "/"); return conn.getresponse().status
    #     ->  try: conn.request(...); return ... finally: conn.close()
    line = tree.parent(expr)
    holder, release = finding.variable, finding.release
    placed = _block_of(tree, line) if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else None
    if placed is None or not release or release.startswith("_") or finding.context == "async with":
        return None
    block, index = placed
    scope = next((a for a in tree.ancestors(line) if isinstance(a, _SCOPES)), tree.module)
    region = _region(block.body, index, holder)
    if not all(_borrowed(tree, n, scope) for s in block.body[index:region.stop] for n in _names(s, holder)):
        return None
    body = list(block.body[index:region.stop])
    if _trailing_close(body, holder, release):
        body = body[:-1]
    closer = cst.SimpleStatementLine([cst.Expr(cst.Call(cst.Attribute(cst.Name(holder), cst.Name(release))))])
    first = body[0].with_changes(leading_lines=())
    handler = cst.Try(cst.IndentedBlock([first, *body[1:]]), finalbody=cst.Finally(cst.IndentedBlock([closer])),
                      leading_lines=line.leading_lines)
    return f"close `{holder}` in `try/finally`", "unsafe", _replace(tree, block, index, region.stop, [handler])


def _with(item: cst.WithItem, body: list, line: cst.SimpleStatementLine | None, asynchronous: bool) -> cst.With:
    statements = [s for s in body] or [cst.SimpleStatementLine([cst.Pass()])]
    header = line.trailing_whitespace if line is not None else cst.TrailingWhitespace()
    return cst.With([item], cst.IndentedBlock(statements, header=header),
                    asynchronous=cst.Asynchronous() if asynchronous else None,
                    leading_lines=line.leading_lines if line is not None else ())


def _replace(tree: _Tree, block: cst.CSTNode, start: int, stop: int, statements: list) -> cst.Module:
    """Returns the module with statements [start, stop) of `block` replaced by `statements`."""
    body = [*block.body[:start], *statements, *block.body[stop:]]
    return tree.module.deep_replace(block, block.with_changes(body=body))


def _region(body, index: int, holder: str) -> range | None:
    """Returns the statements from the acquisition to the last one of the block that names `holder`."""
    last = index
    for i in range(index + 1, len(body)):
        if _mentions(body[i], holder):
            last = i
    return range(index, last + 1)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    found = False

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            nonlocal found
            found = found or n.value == name

    node.visit(Visitor())
    return found


def _names_holder(target: cst.BaseAssignTargetExpression, holder: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == holder
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(isinstance(e.value, cst.Name) and e.value.value == holder for e in target.elements)
    return False


def _trailing_close(body: list, holder: str, release: str) -> bool:
    """Reports whether the region ends with `holder.close()` alone (no comment of its own)."""
    if not body or not isinstance(body[-1], cst.SimpleStatementLine) or len(body[-1].body) != 1:
        return False
    last = body[-1]
    expr = last.body[0]
    if any(line.comment is not None for line in last.leading_lines):
        return False
    call = expr.value if isinstance(expr, cst.Expr) else None
    if isinstance(call, cst.Await):
        call = call.expression
    return isinstance(call, cst.Call) and not call.args and isinstance(call.func, cst.Attribute) \
        and isinstance(call.func.value, cst.Name) and call.func.value.value == holder \
        and call.func.attr.value in {release, "close", "aclose", "release"}


def _keeps(tree: _Tree, scope: cst.CSTNode, region: list, holder: str, line: cst.CSTNode) -> bool:
    """Reports whether every use of `holder` in its scope lies in `region`, none hands it away
    (returned, yielded, stored, put in a container) or rebinds it, and no nested function sees it."""
    inside = {id(n) for statement in region for n in _names(statement, holder)}
    everywhere = _names(scope, holder)
    if any(id(n) not in inside for n in everywhere):
        return False
    target_names = {id(n) for n in _names(line, holder)}
    for name in everywhere:
        if id(name) in target_names:
            continue
        if not _borrowed(tree, name, scope):
            return False
    return True


def _names(root: cst.CSTNode, name: str) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            if n.value == name:
                found.append(n)

    root.visit(Visitor())
    return found


def _borrowed(tree: _Tree, name: cst.Name, scope: cst.CSTNode) -> bool:
    """Reports whether this use only borrows the resource: a method call or attribute read on it, an
    argument of a call that is not a container's, a test (`if x`, `x is None`)."""
    parent = tree.parent(name)
    for ancestor in tree.ancestors(name):
        if ancestor is scope:
            break
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Global, cst.Nonlocal, cst.Del)):
            return False
    if isinstance(parent, cst.Attribute) and parent.value is name:
        return True
    if isinstance(parent, cst.Arg):
        call = tree.parent(parent)
        func = call.func if isinstance(call, cst.Call) else None
        keeper = isinstance(func, cst.Attribute) and func.attr.value in _KEEPERS
        return not keeper and _not_bound_into(tree, call)
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget, cst.If, cst.While, cst.UnaryOperation)):
        return True
    return False


def _not_bound_into(tree: _Tree, call: cst.CSTNode) -> bool:
    """Reports whether the value of a call that is given the resource is not itself kept as a
    wrapper: not assigned to a name or field, returned or yielded (`w = Wrapper(sock)`)."""
    parent = tree.parent(call)
    if isinstance(parent, cst.Await):
        parent = tree.parent(parent)
    return not isinstance(parent, (cst.Assign, cst.AnnAssign, cst.Return, cst.Yield, cst.Element, cst.DictElement))


# -- open(p).read()   ->   with open(p) as f: data = f.read() -------------------------------------
def _inline(tree: _Tree, finding: Finding, call: cst.Call) -> tuple[str, str, cst.Module] | None:
    if finding.context != "with":
        return None
    user = tree.parent(call)
    if isinstance(user, cst.Attribute) and isinstance(tree.parent(user), cst.Call) and tree.parent(user).func is user:
        pass  # Ex) open(p).read()
    elif isinstance(user, cst.Arg):
        pass  # Ex) json.load(open(p))
    elif isinstance(user, cst.For) and user.iter is call:
        return _for_loop(tree, finding, call, user)
    else:
        return None
    statement = next((a for a in tree.ancestors(call) if isinstance(a, cst.SimpleStatementLine)), None)
    if statement is None or len(statement.body) != 1 or _block_of(tree, statement) is None:
        return None
    chain = []
    for ancestor in tree.ancestors(call):
        if ancestor is statement:
            break
        chain.append(ancestor)
    if any(isinstance(a, _CONDITIONAL) for a in chain) or isinstance(statement.body[0], (cst.Global, cst.Nonlocal)):
        return None
    name = _fresh(tree.module, _NAMES.get(finding.rule_id, "res"))
    block, index = _block_of(tree, statement)
    inner = statement.deep_replace(call, cst.Name(name)).with_changes(leading_lines=())
    applicability = "safe" if not _runs_before(tree, statement, call) else "unsafe"
    new = cst.With([cst.WithItem(call, asname=cst.AsName(cst.Name(name)))],
                   cst.IndentedBlock([inner]), leading_lines=statement.leading_lines)
    return f"open it in `with ... as {name}:`", applicability, _replace(tree, block, index, index + 1, [new])


def _for_loop(tree: _Tree, finding: Finding, call: cst.Call, loop: cst.For) -> tuple[str, str, cst.Module] | None:
    # Ex) for line in open(p): ...   ->   with open(p) as f: for line in f: ...
    placed = _block_of(tree, loop)
    if placed is None or loop.asynchronous is not None:
        return None
    block, index = placed
    name = _fresh(tree.module, _NAMES.get(finding.rule_id, "res"))
    inner = loop.with_changes(iter=cst.Name(name), leading_lines=())
    new = cst.With([cst.WithItem(call, asname=cst.AsName(cst.Name(name)))], cst.IndentedBlock([inner]),
                   leading_lines=loop.leading_lines)
    return f"open it in `with ... as {name}:` around the loop", "safe", _replace(tree, block, index, index + 1, [new])


def _runs_before(tree: _Tree, statement: cst.CSTNode, call: cst.Call) -> bool:
    """Reports whether some other call of the statement runs before `call` (it would run after,
    once the call moves into the `with` header): one that starts earlier and does not enclose it."""
    start = tree.positions[call].start
    enclosing = set(map(id, tree.ancestors(call)))
    for node, pos in tree.positions.items():
        if isinstance(node, cst.Call) and node is not call and id(node) not in enclosing \
                and (pos.start.line, pos.start.column) < (start.line, start.column) and _within(tree, node, statement):
            return True
    return False


def _within(tree: _Tree, node: cst.CSTNode, root: cst.CSTNode) -> bool:
    return any(a is root for a in tree.ancestors(node))


def _fresh(module: cst.Module, base: str) -> str:
    used = set()

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            used.add(n.value)

    module.visit(Visitor())
    name, number = base, 1
    while name in used:
        number += 1
        name = f"{base}{number}"
    return name


def _edit(before: str, after: str, path: str) -> Edit:
    """Returns the one edit turning `before` into `after`: the span between their common ends."""
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    prefix = before.rfind("\n", 0, prefix) + 1  # whole lines read better in a diff and a suggestion
    suffix = 0
    while suffix < limit - prefix and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]:
        suffix += 1
    end = len(before) - suffix
    while end < len(before) and not (before[end - 1:end] == "\n" and after[len(after) - (len(before) - end) - 1] == "\n"):
        newline = before.find("\n", end)  # Ex) end on whole lines on both sides
        end = len(before) if newline < 0 else newline + 1
    suffix = len(before) - end
    source = SourceText(before, path)
    return source.edit(prefix, end, after[prefix:len(after) - suffix])
