"""The names one Python function binds (parameters, assignments, imports, nested functions), so
the front-end can tell a local variable from a module, class or imported function of the same
name. It reads `ast` only."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from leaklint_gopy.frontends.python.names import canonical, import_bindings
from leaklint_gopy.frontends.python.functionnodes import NESTED, own_nodes


# The node kinds LocalScope._note records.
_NOTED = NESTED | {ast.Name, ast.Assign, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.ExceptHandler,
                    ast.MatchAs, ast.MatchStar, ast.Yield, ast.YieldFrom}


@dataclass(slots=True)
class LocalScope:
    """The names one function binds: parameters, assignments, local imports and nested functions."""

    params: list[str]
    assigned: set[str]
    imports: dict[str, str]
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    declared_global: set[str]
    declared_nonlocal: set[str]
    generator: bool = False  # its own body yields (not a nested function's)
    classes: set[str] = field(default_factory=set)  # the classes it defines
    stores: dict[str, int] = field(default_factory=dict)  # how many times each name is bound
    named: dict[str, list[ast.expr]] = field(default_factory=dict)  # `x = a.b`: the names or attributes bound to x

    @classmethod
    def of(cls, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, module: str,
           own: list[ast.AST] | None = None) -> LocalScope:
        """Returns the scope of a function (nested functions and classes are not looked into), from
        its `own` nodes when they are listed already (see functionnodes.own_nodes)."""
        scope = cls(cls.parameter_names(node), set(), {}, {}, set(), set())
        note, assigned, stores = scope._note, scope.assigned, scope.stores
        for child in own_nodes(node) if own is None else own:
            kind = child.__class__
            if kind is ast.Name:  # most noted nodes: _note's first case, read here (a load matches no case)
                if child.ctx.__class__ is not ast.Load:
                    assigned.add(child.id)
                    stores[child.id] = stores.get(child.id, 0) + 1
            elif kind in _NOTED:
                note(child, module)
        return scope

    @classmethod
    def of_module(cls, tree: ast.Module, module: str) -> LocalScope:
        """Returns the names a module body binds itself (its functions and classes stay module bindings)."""
        scope = cls([], set(), {}, {}, set(), set())
        stack: list[ast.AST] = list(tree.body)
        while stack:
            child = stack.pop()
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            scope._note(child, module)
            stack.extend(ast.iter_child_nodes(child))
        return scope

    def _note(self, node: ast.AST, module: str) -> None:
        match node:
            case ast.Name(ctx=ast.Store() | ast.Del()):
                self.assigned.add(node.id)
                self.stores[node.id] = self.stores.get(node.id, 0) + 1
            case ast.Assign(targets=[ast.Name(id=name)], value=ast.Name() | ast.Attribute() as value):
                self.named.setdefault(name, []).append(value)  # Ex) pool_class = urllib3.HTTPConnectionPool
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self.functions[node.name] = node
                self.assigned.add(node.name)
            case ast.ClassDef():
                self.assigned.add(node.name)
                self.classes.add(node.name)
            case ast.Import() | ast.ImportFrom():
                for local, target in import_bindings(node, module):
                    if local != "*":
                        self.imports[local] = canonical(target)
                        self.assigned.add(local)
            case ast.Global():
                self.declared_global.update(node.names)
            case ast.Nonlocal():
                self.declared_nonlocal.update(node.names)
            case ast.ExceptHandler(name=str() as name):
                self.assigned.add(name)
            case ast.MatchAs(name=str() as name) | ast.MatchStar(name=str() as name):
                self.assigned.add(name)
            case ast.Yield() | ast.YieldFrom():
                self.generator = True

    @staticmethod
    def parameter_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
        """Returns the parameter names in the order positional and keyword arguments fill them."""
        args = node.args
        names = [a.arg for a in (*args.posonlyargs, *args.args)]
        names += [a.arg for a in (args.vararg,) if a] + [a.arg for a in args.kwonlyargs]
        return names + [a.arg for a in (args.kwarg,) if a]

    def callable_alias(self, name: str) -> list[ast.expr]:
        """Returns the expressions local `name` is bound to when every binding of it is a plain name
        or attribute (`make = socket.create_connection`, in one branch or several), else []."""
        values = self.named.get(name, [])
        if name in self.params or len(values) != self.stores.get(name) \
                or any(isinstance(v, ast.Name) and v.id == name for v in values):
            return []
        return sorted(values, key=lambda v: (v.lineno, v.col_offset))  # the first in the source names it

    def is_local(self, name: str) -> bool:
        if name in self.declared_global or name in self.declared_nonlocal:
            return False
        return name in self.assigned or name in self.params

