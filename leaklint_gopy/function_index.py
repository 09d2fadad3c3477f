"""The functions one package's analysis can see: its own, lowered eagerly or on first use, and
those of the tree's other packages, loaded with their package on first use. It records which
packages lent summaries (for the cache's dependencies); it never analyses or reports.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from leaklint_gopy.finding import PARTIAL, FileError, UnparsableBody

if TYPE_CHECKING:
    from leaklint_gopy.ir import FunctionIR, LoweredFile
    from leaklint_gopy.treesources import TreeSources


class FunctionIndex:
    """Every function of the analysed tree by qualname; helpers are lowered on first use, those of
    other packages of the tree (`tree`) with their package, lowered on first use too; `used` names
    the packages whose summaries were asked for; `errors` the helpers too deeply nested to lower."""

    def __init__(self, lowered: list[LoweredFile], tree: TreeSources | None = None, own: str = "",
                 tree_packages: dict[str, str] | None = None) -> None:
        self._known: dict[str, FunctionIR] = {}
        self._lazy: dict[str, object] = {}
        self._plain: set[str] = set()
        self._tree, self._own, self._tree_packages = tree, own, tree_packages or {}
        self.used: set[str] = set()
        self.summarised: set[str] = set()  # functions whose summaries the checks relied on, transitively
        self._foreign_names: set[str] = set()
        self._returning: dict[str, bool] = {}  # may_return of other packages' functions
        self._homes: dict[str, str] = {}  # lazily lowered function -> its file
        self._methods: dict[tuple[str, str], tuple[str, ...]] = {}  # (package, name) -> its types' methods
        self.errors: list[FileError] = []
        self._add(lowered)

    def _add(self, lowered: list[LoweredFile]) -> None:
        # Ex) (*File).readdir in dir_darwin.go, dir_unix.go and dir_windows.go: one variant, the first
        # file built for the reference platform (linux/amd64), else the first, by path, whether
        # lowered eagerly or lazily (an eager one used to win here, a lazy one in another package's
        # lowering: which one a summary read depended on which packages a worker had checked before)
        claims: dict[str, str] = {}  # Go function or method -> the file whose variant is kept
        for item in sorted(lowered, key=lambda item: (item.elsewhere, item.path)):
            self._plain |= item.plain
            for function in item.functions:
                if self._claimed(claims, function.qualname, item):
                    self._known.setdefault(function.qualname, function)
            for qualname, thunk in item.lazy.items():
                if self._claimed(claims, qualname, item):
                    self._lazy.setdefault(qualname, thunk)
                    self._homes.setdefault(qualname, item.path)

    @staticmethod
    def _claimed(claims: dict[str, str], qualname: str, item: LoweredFile) -> bool:
        """Reports whether `item` holds the kept variant of Go function `qualname` (the first file to
        declare it); a func literal (`F$func1`) and other languages' functions are always added."""
        if item.language != "go" or "$" in qualname:
            return True
        return claims.setdefault(qualname, item.path) == item.path

    def __contains__(self, qualname: object) -> bool:
        if not isinstance(qualname, str):
            return False
        if qualname not in self._known and qualname not in self._lazy:
            self._foreign(qualname)
        if qualname in self._lazy:  # lowered now: a helper whose body turns out unparsable is unknown
            for function in self._lower(qualname):
                self._known.setdefault(function.qualname, function)
        return qualname in self._known

    def _lower(self, qualname: str) -> list[FunctionIR]:
        """Returns the lazily lowered functions of `qualname`; one too deeply nested is an error on
        its own file (not on the caller's) and unknown to the analysis."""
        name = qualname.rsplit(".", 1)[-1]
        try:
            return self._lazy.pop(qualname)()
        except RecursionError:
            self.errors.append(FileError(self._homes[qualname], f"function {name} too deeply nested to analyse"))
        except UnparsableBody as error:
            # Ex) a body with syntax newer than the grammar (Go 1.26's new(f(x))) in a function the
            # first pass skipped: it is unknown to its callers, which are still analysed; another
            # package's function is reported by its own package's run
            if qualname not in self._foreign_names:
                self.errors.append(FileError(self._homes[qualname], f"syntax error in function {name}: "
                                             f"{error.reason} {PARTIAL}", error.line, error.col, "warning"))
        return []

    def _foreign(self, qualname: str) -> None:
        """Loads the other package of the tree that declares `qualname`, once."""
        key = self._tree.owner(qualname) if self._tree is not None else None
        if key is None or key == self._own or key in self.used:
            return
        self.used.add(key)
        lowered = self._tree.lowered(key, self._tree_packages)
        self._foreign_names |= {q for item in lowered for q in (*item.lazy, *(f.qualname for f in item.functions))}
        self._add(lowered)

    def borrows(self, qualname: str, index: int, own: bool = False) -> bool:
        """Reports whether `qualname` is another package's function whose parameter `index` can only
        borrow (its declared type cannot close anything), as its signature says, whether or not that
        package was loaded (the answer must not depend on the order of work), or this package's that
        was not lowered; with `own`, whether a function of the tree declares that parameter an io
        interface (`r io.Reader`)."""
        if own:
            return self._tree is not None and self._tree.borrows(qualname, index, readers_only=True)
        return self._tree is not None and (self.other_package(qualname) or not self.owns(qualname)) \
            and self._tree.borrows(qualname, index)

    def other_package(self, qualname: str) -> bool:
        """Reports whether `qualname` is declared by another package of the tree (or a dependency)."""
        key = self._tree.owner(qualname) if self._tree is not None else None
        return key is not None and key != self._own

    def owns(self, qualname: str) -> bool:
        """Reports whether `qualname` is one of this package's own functions."""
        return (qualname in self._known or qualname in self._lazy) and qualname not in self._foreign_names

    def methods_named(self, qualname: str, method: str) -> tuple[str, ...]:
        """Returns the methods called `method` of the types of the package declaring function
        `qualname`, which is loaded as for its summaries."""
        if qualname not in self:
            return ()
        key = (self._tree.owner(qualname) if self._tree is not None else None) or self._own
        if (key, method) not in self._methods:
            prefix = key + "."
            self._methods[(key, method)] = tuple(sorted(
                q for q in (*self._known, *self._lazy) if q.startswith(prefix)
                and q[len(prefix):].count(".") == 1 and q.rsplit(".", 1)[1] == method))
        return self._methods[(key, method)]

    def is_foreign(self, qualname: str) -> bool:
        """Reports whether `qualname` belongs to another package of the tree (loaded by _foreign)."""
        return qualname in self._foreign_names

    @property
    def shared(self):
        """Returns the summaries shared by every package's analysis for other packages' functions."""
        return self._tree.summaries if self._tree is not None else None

    def may_return(self, qualname: str) -> bool:
        """Reports whether `qualname` may be a tree function returning a resource, without lowering
        it (nor, for another package's, loading that package unless its signature names one)."""
        if qualname in self._plain:
            return False
        if qualname in self._returning:
            return self._returning[qualname]
        key = self._tree.owner(qualname) if self._tree is not None else None
        if key is not None and key != self._own:
            # Another package's: what its signature says, never whether some earlier analysis of this
            # process happened to load that package (the answer must not depend on the order of work).
            self._returning[qualname] = self._tree.may_return(qualname) and qualname in self
            return self._returning[qualname]
        return qualname in self  # lowered now: one whose body does not lower is unknown, not a KeyError later

    def __getitem__(self, qualname: str) -> FunctionIR:
        if qualname not in self:
            raise KeyError(qualname)
        return self._known[qualname]
