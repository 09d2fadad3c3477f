"""The Go front-end: parses the files of one package directory with tree-sitter-go and lowers
the functions that can reach an acquisition to FunctionIR.

All files of a package are parsed together so struct fields, methods and helpers are known.
It owns every Go quirk; it never reports findings.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from functools import cache, partial

from leaklint_gopy import directives
from leaklint_gopy.frontends.go import regions
from leaklint_gopy.frontends.go.counts import integer_constants
from leaklint_gopy.frontends.go.dotimports import dot_imports, import_specs
from leaklint_gopy.frontends.go.expr import Positions
from leaklint_gopy.frontends.go.failing_exit import failing_functions
from leaklint_gopy.frontends.go.funcvalues import FunctionValues
from leaklint_gopy.frontends.go.lower import FunctionLowerer
from leaklint_gopy.frontends.go.package_facts import (function_bodies, in_memory_trippers, quiet_writers_of,
                                                      whole_declarations, writer_candidates)
from leaklint_gopy.frontends.go.platforms import builds_here
from leaklint_gopy.frontends.go.process import ending_functions, process_root
from leaklint_gopy.frontends.go.reaping import program_of, programs_of, reaping_programs
from leaklint_gopy.frontends.go.request_methods import method_parameters
from leaklint_gopy.frontends.go.routes import mux_candidates, mux_facts_of
from leaklint_gopy.frontends.go.transports import builds_head_requests
from leaklint_gopy.frontends.go.typeinfo import (FileScope, PackageTypes, assertion_helpers, file_goos, forget_texts,
                                         receiver_type_name, result_nodes, text)
from leaklint_gopy.frontends.go.prefilter import import_section
from leaklint_gopy.frontends.go.promotion import promoted_releases
from leaklint_gopy.frontends.words import Calls, Words
from leaklint_gopy.ir import FileError, FunctionIR, LoweredFile, Owner
from leaklint_gopy.finding import UnparsableBody


@cache
def _parser(ranged: bool = False):
    """Returns the parser for whole files, or (`ranged`) the one for included ranges."""
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(_go_language()))


def _go_language() -> object:
    """Returns tree-sitter-go's language from its compiled binding, imported without the package's
    `__init__`, which imports importlib.resources (for query files leaklint never reads) and with it
    tempfile, shutil, random, bz2 and lzma: 0.05 s of CPU, a tenth of a one-file run."""
    import sys
    from importlib.machinery import PathFinder

    binding = sys.modules.get("tree_sitter_go._binding")
    package = PathFinder.find_spec("tree_sitter_go") if binding is None else None
    spec = PathFinder.find_spec("tree_sitter_go._binding", package.submodule_search_locations) \
        if package is not None and package.submodule_search_locations else None
    if binding is None and spec is not None and spec.loader is not None:
        binding = spec.loader.create_module(spec)
        spec.loader.exec_module(binding)
        sys.modules[spec.name] = binding  # (an `import tree_sitter_go` later takes it from here)
    if binding is None:  # Ex) the grammar installed some other way: the package as it is
        import tree_sitter_go as binding
    return binding.language()


_PARSED: OrderedDict[tuple[bytes, tuple[tuple[int, int], ...]], object] = OrderedDict()
_PARSED_KEPT = 256  # trees kept: a fix's verification and an editor's save re-lower a package with one file changed


def _parse_ranges(source: bytes, ranges: list[tuple[int, int]], known: tuple[int, int] = (0, 0)):
    """Returns the tree of only `ranges` of `source`, with positions in the whole file (the last
    trees parsed are kept: a tree is never edited after parsing, so it can be shared); `known` is a
    place before the ranges and its row (see regions.points)."""
    import tree_sitter

    key = (source, tuple(ranges))
    if key in _PARSED:
        _PARSED.move_to_end(key)
        return _PARSED[key]
    parser = _parser(ranged=True)
    parser.included_ranges = [tree_sitter.Range(*r) for r in regions.points(source, ranges, known)]
    tree = _PARSED[key] = parser.parse(source)
    if len(_PARSED) > _PARSED_KEPT:
        _PARSED.popitem(last=False)
    return tree


# A file mentioning none of these nor an acquiring name cannot acquire, close, or declare a type
# that holds a resource (`hc *http.Client`), so it is not parsed at all.
_CONTEXT = Words({b"Close", b"Client", b"Response", b"Conn", b"Listener", b"File", b"Rows", b"Stmt", b"Dialer",
                  b"Transport", b"DB", b"Tx", b"Closer"})


class GoFrontend:
    language = "go"
    extensions = (".go",)

    def lower_package(self, key: str, files: list[tuple[str, bytes]], tree_packages: dict[str, str],
                      needles: frozenset[bytes], focus: frozenset[str] | None = None,
                      tree: object | None = None,
                      selected: dict[str, frozenset[str]] | None = None) -> list[LoweredFile]:
        """Returns a LoweredFile per file of the package `key`; functions mentioning no needle are skipped.
        The signatures of the tree's other packages (`tree`, a TreeSources) type calls of their functions.
        Of a file in `selected`, only the functions it names (`Name`, `Type.Name`) are lowered to be
        checked; its others are lowered on demand, as a context file's."""
        package = PackageTypes(key, tree_packages, tree=tree, package_name=_package_name)
        package.reaped = _reaped(package)
        package.assertions = assertion_helpers([source for _, source in files])
        package.function_values = FunctionValues(key, [source for _, source in files], package.funcs)
        parsed: list[tuple[LoweredFile, bytes, object]] = []
        out = [LoweredFile(path, "go", [], directives.parse(path, "go", source)) for path, source in files]
        cut = [regions.cut(source) for _, source in files]
        for file in cut:
            package.booleans.update(regions.boolean_constants(file))
            for name, value in integer_constants(file).items():  # (again under another build tag: the larger)
                package.integers[name] = max(value, package.integers.get(name, value))
        dots = _dot_imports_elsewhere(files, package)
        calls = regions.find_calls(cut, Calls(needles, _own(needles, cut)), everywhere=dots,
                                   context=frozenset(index for index, (path, _) in enumerate(files)
                                                     if focus is not None and path not in focus))
        for lowered, file in zip(out, cut):
            only = (selected or {}).get(lowered.path)  # (by name alone: a selected method's body is never left out)
            plan = regions.plan(file, _CONTEXT, bodies=focus is None or lowered.path in focus,
                                names=None if only is None else frozenset(n.rpartition(".")[2].encode() for n in only))
            if plan is not None:  # else Ex) a generated table: it cannot acquire, close or type one
                self._parse(lowered, file, plan, package, parsed)
        # (every file, parsed or not: a variant calling nothing of interest is still a variant)
        package.goos = {path: file_goos(path, source) for path, source in files}
        for lowered, (_, source) in zip(out, files):
            lowered.elsewhere = not builds_here(lowered.path, source)
        package.note_variants([(path, chunk.name.decode()) for (path, _), file in zip(files, cut)
                               for chunk in file.functions() if not chunk.method])
        roots, sources = _process_roots(parsed, package), [source for _, source in files]
        # (main and TestMain themselves: see lower._ends_process)
        package.ending = ending_functions(roots, set(package.funcs), sources) \
            | {text(root.child_by_field_name("name")) for root, _ in roots}
        package.failing = failing_functions(roots, package.ending, set(package.funcs), sources,
                                            partial(function_bodies, parsed, _parse_ranges)) if roots else frozenset()
        package.head_requests = _head_request_builders(parsed)
        package.method_parameters = method_parameters(parsed, _parse_ranges)
        package.in_memory_trippers = in_memory_trippers(parsed, package, _parse_ranges)
        package.quiet_writers = cache(partial(quiet_writers_of, writer_candidates(parsed), _parse_ranges))
        package.muxes = cache(partial(mux_facts_of, mux_candidates(parsed), _parse_ranges, package.quiet_writers))
        dotted, unqualified = {files[index][0] for index in dots}, calls.everywhere()
        for lowered, source, nodes, imports, plan in parsed:
            try:
                checked = focus is None or lowered.path in focus
                found = unqualified if lowered.path in dotted else calls
                self._lower_file(lowered, source, nodes, imports, package, found if checked else None, plan,
                                 (selected or {}).get(lowered.path))
            except RecursionError:
                lowered.functions.clear()
                lowered.errors.append(FileError(lowered.path, "too deeply nested to analyse"))
        forget_texts()  # (the texts its declarations were read with)
        return out

    def prepare(self, tree: object, tree_packages: dict[str, str]) -> None:
        """Reads what every package's lowering asks of the whole tree (`tree`, a TreeSources) once,
        before the packages are handed to worker processes, which then inherit it instead of each
        reading it again: the programs that reap every child (see _reaped)."""
        if getattr(tree, "programs", False) is None:
            package = PackageTypes("", tree_packages, tree=tree, package_name=_package_name)
            tree.programs = reaping_programs(tree, package.resolve_import, _package_name)

    def _parse(self, lowered: LoweredFile, file: regions.File, plan: regions.Plan, package: PackageTypes,
               parsed: list) -> None:
        """Parses the planned ranges of one file into `parsed` and records its declarations. A ranged
        parse that fails (code gofmt would reshape) is redone whole; a file that still does not
        parse is parsed one declaration at a time, and its first syntax error recorded."""
        source = file.source
        tree = _parse_ranges(source, plan.ranges)
        nodes = tree.root_node.named_children
        if tree.root_node.has_error:
            plan = regions.Plan([(0, len(source))], {}, None)
            source, tree = _tolerant(source)
            nodes = tree.root_node.named_children
        error = _syntax_error(tree.root_node)
        if error is not None:
            # Ex) newer syntax the grammar does not know: the declarations that parse are still analysed
            lowered.errors.append(FileError(lowered.path, f"syntax error: {error[2]} (the rest of the file is "
                                            "analysed)", error[0], error[1]))
            nodes = _declarations_apart(source, file)
        imports = _imports(nodes)
        package.collect(nodes, imports)
        if lowered.path.endswith("_test.go"):
            package.test_types |= {text(spec.child_by_field_name("name")) for node in nodes
                                   if node.type == "type_declaration" for spec in node.named_children
                                   if spec.type in ("type_spec", "type_alias")}
        parsed.append((lowered, source, nodes, imports, plan))

    def _lower_file(self, lowered: LoweredFile, source: bytes, nodes: list, imports: dict[str, str],
                    package: PackageTypes, calls: Calls | None, plan: regions.Plan,
                    only: frozenset[str] | None = None) -> None:
        """Lowers the functions that mention a needle (of `calls`; of those named in `only`, when
        given); the others (all of them for a context file, `calls` None) are registered to be
        lowered when a summary needs them, those parsed without their body by parsing it then."""
        scope = FileScope(package, imports, dot_imports(nodes))
        positions = Positions(lowered.path, source)
        for node in nodes:
            if node.type not in ("function_declaration", "method_declaration"):
                continue
            body = node.child_by_field_name("body")
            if body is None or node.has_error:
                continue
            needles = calls if only is None or _declared_name(node) in only else None
            start, qualname = node.start_byte, _qualname(node, package, lowered.path)
            if _returns_plain(node):
                lowered.plain.add(qualname)
            if start in plan.elided:
                if _has_params(node) or needles is None:
                    lowered.lazy[qualname] = partial(_lower_elided, source, (start, plan.elided[start]), scope,
                                                     positions, package, node.start_point[0])
            elif needles is not None and (start in plan.calling if plan.calling is not None
                                          else needles.search(body.text)):
                lowered.functions.extend(_lower_function(node, scope, positions, package))
            elif _has_params(node) or needles is None:
                lowered.lazy[qualname] = partial(_lower_function, node, scope, positions, package)


def _process_roots(parsed: list, package: PackageTypes) -> list[tuple[object, dict[str, str]]]:
    """Returns main and TestMain, with their files' imports, parsed whole when planned without body."""
    roots = []
    for lowered, source, nodes, imports, plan in parsed:
        # (a file's own clause: `//go:build generate` + `package main` beside the package's files)
        name = next((text(node.named_children[0]) for node in nodes
                     if node.type == "package_clause" and node.named_children), package.name)
        for node in nodes:
            if process_root(node, lowered.path, name):
                extent = (node.start_byte, plan.elided[node.start_byte]) if node.start_byte in plan.elided else None
                whole = _parse_ranges(source, [extent], (extent[0], node.start_point[0])).root_node.named_children \
                    if extent else [node]
                roots.extend((each, imports) for each in whole if process_root(each, lowered.path, name))
    return roots


_HEAD_METHOD = re.compile(rb'NewRequest(?:WithContext)?\([^)]*(?:"HEAD"|MethodHead)')


def _head_request_builders(parsed: list) -> frozenset[str]:
    """Returns the functions of the package (`F`, `T.M`) that return only HEAD requests (see
    transports.builds_head_requests), those parsed without body parsed whole to read it."""
    names = set()
    for node, whole, imports in whole_declarations(parsed, _parse_ranges, lambda node, source, end: bool(
            _HEAD_METHOD.search(source, node.start_byte, end))):
        name = text(node.child_by_field_name("name"))
        if any(builds_head_requests(each, imports) for each in whole):
            names.add(f"{receiver_type_name(node)}.{name}" if node.type == "method_declaration" else name)
    return frozenset(names)


def _lower_elided(source: bytes, extent: tuple[int, int], scope: FileScope, positions: Positions,
                  package: PackageTypes, row: int) -> list[FunctionIR]:
    """Parses a function first parsed without its body (starting on `row`), and lowers it; raises
    UnparsableBody at the first syntax error of a body the grammar cannot parse."""
    root = _parse_ranges(source, [extent], (extent[0], row)).root_node
    if root.has_error:  # Ex) newer syntax than the grammar's (Go 1.26's new(f(x)))
        raise UnparsableBody(*_syntax_error(root))
    for node in root.named_children:
        if node.start_byte == extent[0] and node.type in ("function_declaration", "method_declaration"):
            return _lower_function(node, scope, positions, package)
    return []


def _reaped(package: PackageTypes) -> bool:
    """Reports whether the package runs only inside a program of the tree that reaps every child
    (reaping.py), recording the packages that say so as consulted."""
    tree = package.tree
    if tree is None or not hasattr(tree, "programs"):
        return False
    if tree.programs is None:
        tree.programs = reaping_programs(tree, package.resolve_import, _package_name)
    programs, watched = tree.programs
    program = program_of(package.key, programs)
    if program is not None:
        tree.consult(programs[program])
    else:  # Ex) a main package above it that starts reaping when a package it imports changes
        for main in programs_of(package.key, watched):
            tree.consult(watched[main]())
    return program is not None


def _qualname(node, package: PackageTypes, path: str) -> str:
    name = text(node.child_by_field_name("name"))
    if node.type == "method_declaration":
        return f"{package.key}.{receiver_type_name(node)}.{name}"
    return package.function_qualname(name, path) if (path, name) in package.variant_files else f"{package.key}.{name}"


def _declared_name(node) -> str:
    """Returns a declaration's name as dependents.named_callers gives it: `Name`, `Type.Name`."""
    name = text(node.child_by_field_name("name"))
    return f"{receiver_type_name(node)}.{name}" if node.type == "method_declaration" else name


def _lower_function(node, scope: FileScope, positions: Positions, package: PackageTypes) -> list[FunctionIR]:
    """Returns the FunctionIR of a declaration followed by those of its func literals."""
    name = text(node.child_by_field_name("name"))
    qualname, display, receiver = _qualname(node, package, positions.path), name, None
    if node.type == "method_declaration":
        owner = f"{package.key}.{receiver_type_name(node)}"
        qualname, display = f"{owner}.{name}", f"({scope.display_type(owner)}).{name}"
        receiver = _receiver(node, owner)
    closures: list[FunctionIR] = []
    try:
        function = FunctionLowerer(scope, positions, qualname, closures).lower(node, display, receiver)
        if receiver is not None:
            function.owner = _owner(package, receiver_type_name(node), receiver[0], scope)
    finally:
        forget_texts()  # (after the last text read: a text remembered keeps its file's tree alive)
    return [function, *closures]


def _owner(package: PackageTypes, type_name: str, receiver: str, scope: FileScope) -> Owner | None:
    """Returns the struct type a method belongs to as the Owner of the fields it stores into: a
    resource kept in `s.conn` is the object's, and leaks unless one of its methods closes it."""
    if type_name not in package.structs:
        return None
    if package.method_index is None:  # (once per package: each method's lowering walked all its methods)
        index: dict[str, list[str]] = {}
        for owner, name in package.methods:
            index.setdefault(owner, []).append(f"{package.key}.{owner}.{name}")
        package.method_index = {owner: tuple(sorted(names)) for owner, names in index.items()}
    return Owner(f"{package.key}.{type_name}", f"type {type_name}", receiver, package.method_index.get(type_name, ()),
                 promoted=promoted_releases(scope, type_name))


def _own(needles: frozenset[bytes], files: list[regions.File]) -> frozenset[bytes]:
    """Returns the needles the package may call unqualified: its own functions (`Open` in package
    os); a file with a dot import may call them all (find_calls' `everywhere`)."""
    return frozenset(chunk.name for file in files for chunk in file.functions()
                     if not chunk.method and chunk.name in needles)


def _dot_imports_elsewhere(files: list[tuple[str, bytes]], package: PackageTypes) -> frozenset[int]:
    """Returns the indexes of the files that dot-import a package other than their own. An external
    test's `. "net/http"` in net/http brings in only what the package declares, whose functions it
    may call unqualified anyway (_own): every test file of net/http made all 51 files searched for
    46 needles called unqualified."""
    return frozenset(index for index, (_, source) in enumerate(files)
                     if any(package.resolve_import(path.decode()) != package.key
                            for path in _DOT_IMPORT.findall(import_section(source))))


_DOT_IMPORT = re.compile(rb'(?m)^(?:import)?\s*\.\s+"([^"]*)"')


_BASIC = frozenset({"error", "bool", "string", "byte", "rune", "int", "int8", "int16", "int32", "int64", "uint",
                    "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64", "complex64",
                    "complex128", "[]byte", "[]string", "[]int"})


def _returns_plain(node) -> bool:
    """Reports whether a function's results cannot hold a resource: none, or only basic types."""
    return all(text(result) in _BASIC for result in result_nodes(node))


def _has_params(node) -> bool:
    """Reports whether a function takes parameters, or is a method (its receiver): it may be a
    helper that closes one (`func (s *server) teardown()` closes s.ln)."""
    if node.type == "method_declaration":
        return True
    parameters = node.child_by_field_name("parameters")
    return parameters is not None and parameters.named_child_count > 0


def _declarations_apart(source: bytes, file: regions.File) -> list:
    """Returns the top-level declarations of a file that does not parse whole, each parsed on its
    own after the file's head (package clause and imports): one broken declaration no longer
    swallows those after it."""
    head = max((chunk.end for chunk in file.chunks if chunk.kind in (b"", b"package", b"import")), default=0)
    nodes = [node for node in _parse_ranges(source, [(0, head)]).root_node.named_children if not node.has_error]
    for chunk in file.chunks:
        if chunk.kind in (b"", b"package", b"import"):
            continue
        ranges = [(0, head), (chunk.start, chunk.end)] if head else [(chunk.start, chunk.end)]
        root = _parse_ranges(source, ranges).root_node
        nodes += [node for node in root.named_children if node.start_byte >= chunk.start and not node.has_error]
    return nodes


def _imports(nodes) -> dict[str, str]:
    """Returns the file's imports by the name they are used under (alias or last path element)."""
    imports: dict[str, str] = {}
    for alias, path in import_specs(nodes):
        name = alias if alias is not None else _package_name(path)
        if name not in ("_", "."):
            imports[name] = path
    return imports


def _package_name(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    if re.fullmatch(r"v\d+", last) and "/" in path:
        last = path.rsplit("/", 2)[-2]
    # Ex) github.com/quic-go/quic-go is package quic; go-yaml is yaml
    return last.removeprefix("go-").removesuffix("-go").removesuffix(".go").replace("-", "_").replace(".", "_")


def _receiver(method, owner: str) -> tuple[str, str] | None:
    receiver = method.child_by_field_name("receiver")
    for param in receiver.named_children if receiver is not None else ():
        name = param.child_by_field_name("name")
        if name is not None:
            return text(name), owner
    return None


_NEW_CALL = re.compile(rb"(?<![\w.])new\(")


def _tolerant(source: bytes):
    """Returns (source, tree) of a whole-file parse that tolerates Go 1.26's `new(expr)`, which
    tree-sitter-go rejects: a `new(` on a line with a parse error is read as a call of `n3w` (same
    length, so every position stays right). Other errors are left to the caller."""
    parser = _parser()
    tree = parser.parse(source)
    for _ in range(3):
        if not tree.root_node.has_error:
            break
        patched = bytearray(source)
        for start, end in _error_lines(tree.root_node, source):
            for match in _NEW_CALL.finditer(source, start, end):
                patched[match.start():match.start() + 3] = b"n3w"
        if bytes(patched) == source:
            break
        source = bytes(patched)
        tree = parser.parse(source)
    return source, tree


def _error_lines(root, source: bytes) -> list[tuple[int, int]]:
    """Returns the byte ranges of the lines holding a parse error."""
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        if node.is_missing or node.type == "ERROR":
            start = source.rfind(b"\n", 0, node.start_byte) + 1
            end = source.find(b"\n", node.end_byte)
            out.append((start, len(source) if end == -1 else end))
            continue
        stack.extend(c for c in node.children if c.has_error or c.is_missing or c.type == "ERROR")
    return out


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
