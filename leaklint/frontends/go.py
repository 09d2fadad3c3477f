"""The Go front-end: parses the files of one package directory with tree-sitter-go and lowers
the functions that can reach an acquisition to FunctionIR.

All files of a package are parsed together so struct fields, methods and helpers are known.
It owns every Go quirk; it never reports findings.
"""
from __future__ import annotations

import re
from functools import cache

from leaklint import directives
from leaklint.frontends.golower import FunctionLowerer, Positions
from leaklint.frontends.gotypes import FileScope, PackageTypes, receiver_type_name, text
from leaklint.ir import FileError, FunctionIR, LoweredFile

_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


@cache
def _parser():
    import tree_sitter
    import tree_sitter_go

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language()))


class GoFrontend:
    language = "go"
    extensions = (".go",)

    def lower_package(self, key: str, files: list[tuple[str, bytes]], tree_packages: dict[str, str],
                      needles: frozenset[bytes]) -> list[LoweredFile]:
        """Returns a LoweredFile per file of the package `key`; functions mentioning no needle are skipped."""
        package = PackageTypes(key, tree_packages)
        parsed = []
        out: list[LoweredFile] = []
        for path, source in files:
            lowered = LoweredFile(path, "go", [], directives.parse(path, "go", source))
            out.append(lowered)
            tree = _parser().parse(source)
            error = _syntax_error(tree.root_node)
            if error is not None:
                lowered.errors.append(FileError(path, f"syntax error: {error[2]}", error[0], error[1]))
                continue
            package.collect(tree.root_node)
            parsed.append((lowered, source, tree))
        for lowered, source, tree in parsed:
            try:
                self._lower_file(lowered, source, tree.root_node, package, needles)
            except RecursionError:
                lowered.functions.clear()
                lowered.errors.append(FileError(lowered.path, "too deeply nested to analyse"))
        return out

    def _lower_file(self, lowered: LoweredFile, source: bytes, root, package: PackageTypes,
                    needles: frozenset[bytes]) -> None:
        scope = FileScope(package, _imports(root))
        positions = Positions(lowered.path, source)
        for node in root.named_children:
            if node.type not in ("function_declaration", "method_declaration"):
                continue
            body = node.child_by_field_name("body")
            if body is None or not _mentions(body.text, needles):
                continue
            name = text(node.child_by_field_name("name"))
            receiver = None
            if node.type == "method_declaration":
                owner = receiver_type_name(node)
                qualname, display = f"{package.key}.{owner}.{name}", f"({scope.display_type(f'{package.key}.{owner}')}).{name}"
                receiver = _receiver(node, f"{package.key}.{owner}")
            else:
                qualname, display = f"{package.key}.{name}", name
            closures: list[FunctionIR] = []
            function = FunctionLowerer(scope, positions, qualname, closures).lower(node, display, receiver)
            lowered.functions.append(function)
            lowered.functions.extend(closures)


def _mentions(body: bytes, needles: frozenset[bytes]) -> bool:
    return any(needle in body for needle in needles) and bool(needles & set(_WORD.findall(body)))


def _imports(root) -> dict[str, str]:
    """Returns the file's imports by the name they are used under (alias or last path element)."""
    imports: dict[str, str] = {}
    for declaration in root.named_children:
        if declaration.type != "import_declaration":
            continue
        stack = list(declaration.named_children)
        while stack:
            node = stack.pop()
            if node.type == "import_spec_list":
                stack.extend(node.named_children)
            elif node.type == "import_spec":
                path = text(node.child_by_field_name("path")).strip('"`')
                alias = node.child_by_field_name("name")
                name = text(alias) if alias is not None else _package_name(path)
                if name not in ("_", "."):
                    imports[name] = path
    return imports


def _package_name(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    if re.fullmatch(r"v\d+", last) and "/" in path:
        last = path.rsplit("/", 2)[-2]
    return last.removeprefix("go-").removesuffix(".go").replace("-", "_").replace(".", "_")


def _receiver(method, owner: str) -> tuple[str, str] | None:
    receiver = method.child_by_field_name("receiver")
    for param in receiver.named_children if receiver is not None else ():
        name = param.child_by_field_name("name")
        if name is not None:
            return text(name), owner
    return None


def _syntax_error(root) -> tuple[int, int, str] | None:
    """Returns (line, column, reason) of the first parse error, or None for a clean tree."""
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            return node.start_point[0] + 1, node.start_point[1] + 1, f"missing {node.type}"
        if node.type == "ERROR":
            snippet = node.text[:20].decode("utf-8", "replace").split("\n")[0]
            return node.start_point[0] + 1, node.start_point[1] + 1, f"unexpected {snippet!r}"
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing or c.type == "ERROR"]))
    return 1, 1, "unparsable file"
