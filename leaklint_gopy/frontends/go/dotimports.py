"""What a Go file's dot imports (`import . "net/http"`) bring into its scope: the package an
unqualified call or value reaches. It does not decide shadowing by locals (the lowerer checks its
own locals first) nor read the imported package's sources."""
from __future__ import annotations

from leaklint_gopy.frontends.go.typeinfo import STDLIB_RESULTS, STDLIB_VARS, FileScope, text


def import_specs(nodes):
    """Yields (alias or None, import path) for each import of a file's declarations `nodes`."""
    for declaration in nodes:
        if declaration.type != "import_declaration":
            continue
        stack = list(declaration.named_children)
        while stack:
            node = stack.pop()
            if node.type == "import_spec_list":
                stack.extend(node.named_children)
            elif node.type == "import_spec":
                alias = node.child_by_field_name("name")
                yield (text(alias) if alias is not None else None), text(node.child_by_field_name("path")).strip('"`')


def dot_imports(nodes) -> tuple[str, ...]:
    """Returns the import paths a file's declarations `nodes` import with the name `.`."""
    return tuple(sorted(path for alias, path in import_specs(nodes) if alias == "."))


def exporter(scope: FileScope, name: str) -> str:
    """Returns the package whose export `name` is, used unqualified in a file dot-importing it
    (`Get` under `. "net/http"`: net/http), else "": when the package declares `name` itself, when
    `name` is not exported, or when several dot imports could export it and none is known to."""
    package = scope.package
    if not scope.dots or not name[:1].isupper() or name in package.funcs or name in package.variables:
        return ""
    keys = [package.resolve_import(path) for path in scope.dots]
    if len(keys) == 1:
        return keys[0]
    # Ex) . "github.com/onsi/gomega" beside . "net/http": Go forbids two dot imports exporting one name
    known = [key for key in keys if _declares(scope, key, f"{key}.{name}")]
    return known[0] if len(known) == 1 else ""


def _declares(scope: FileScope, key: str, qualname: str) -> bool:
    """Reports whether package `key` is known to declare `qualname`: by the tree's (or a
    dependency's) sources, or the standard library tables."""
    tree = scope.package.tree
    return qualname in STDLIB_RESULTS or qualname in STDLIB_VARS \
        or (tree is not None and tree.owner(qualname) == key)
