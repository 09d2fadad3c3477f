"""What the Go front-end reads of another package's signatures (frontends/go/foreign.py)."""
from __future__ import annotations

from leaklint_gopy.frontends.go.foreign import named_type, read_signatures

SOURCE = b'''package edge

import (
	"net"
	h2 "golang.org/x/net/http2"
)

type File interface {
	Close() error
}

func NewServer(
	conn net.Conn,
	name string,
) *Server {
	return &Server{conn: conn}
}

func (s *Server) Dial(addr string) (c, d net.Conn, err error) { return nil, nil, nil }

func (c *Cache[K]) Transport() *h2.Transport { return nil }

func Open(name string) (File, error) { return nil, nil }
'''


def test_results_are_read_from_signature_lines_with_their_file_imports() -> None:
    signatures = read_signatures([("edge/edge.go", SOURCE)], lambda path: path.rsplit("/", 1)[-1])
    assert signatures.results["NewServer"][0] == ("*Server",)
    assert signatures.results["Server.Dial"][0] == ("net.Conn", "net.Conn", "error")
    assert signatures.results["Cache.Transport"][0] == ("*h2.Transport",)
    assert signatures.results["Open"][1]["h2"] == "golang.org/x/net/http2"
    assert signatures.interfaces == frozenset({"File"})


def test_a_written_result_names_a_type_of_its_package_or_of_an_import() -> None:
    imports = {"net": "net", "h2": "golang.org/x/net/http2"}
    assert named_type("*Server", "edge", imports, str) == "edge.Server"
    assert named_type("*h2.Transport", "edge", imports, str) == "golang.org/x/net/http2.Transport"
    assert named_type("error", "edge", imports, str) == ""
    assert named_type("[]byte", "edge", imports, str) == ""
    assert named_type("chan int", "edge", imports, str) == ""
