"""Which releasing methods a struct type of the package gets from the one type it embeds (Go's
promotion): `type redialerConn struct { net.Conn; ... }` closes its Conn by the promoted Close.
Read from the package's declarations; it lowers nothing.
"""
from __future__ import annotations

import re

from leaklint_gopy.frontends.go.typeinfo import FileScope

# Types of other packages whose releasing method an embedding struct gets, by method.
_RELEASED_BY = {
    "Close": re.compile(r"net\.(?:\w*Conn|\w*Listener)|os\.File|crypto/tls\.Conn|io\.\w*Closer"),
    "Wait": re.compile(r"os/exec\.Cmd"),
}


def promoted_releases(scope: FileScope, type_name: str) -> tuple[tuple[str, str], ...]:
    """Returns (method, embedded field) for each releasing method the package's struct `type_name`
    does not declare but gets from the only type it embeds, one of the listed types of other packages."""
    package = scope.package
    embedded = package.embedded.get(type_name, [])
    if len(embedded) != 1:
        return ()
    kind = scope.type_of_expr(embedded[0])
    field = kind.rsplit(".", 1)[-1]
    found = []
    for method, types in _RELEASED_BY.items():
        if (type_name, method) in package.methods:
            continue  # Ex) func (s *stampedConn) Close() error   (its own Close: the embedded one's is shadowed)
        # A package type's own Close may release nothing (`func (i *inner) Close() error { return nil }`):
        # only the listed types' methods are known to release.
        if types.fullmatch(kind):
            found.append((method, field))
    return tuple(found)
