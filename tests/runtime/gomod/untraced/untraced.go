// Package untraced holds leaks that no hook records: a file never closed, and a GET that no
// test ever runs.
package untraced

import (
	"net/http"
	"os"
)

// FirstByte returns the first byte of a file; the file is never closed.
func FirstByte(path string) byte {
	f, err := os.Open(path) // leak: the file is never closed
	if err != nil {
		return 0
	}
	one := make([]byte, 1)
	_, _ = f.Read(one)
	return one[0]
}

// Never is never called by the tests.
func Never(url string) int {
	resp, err := http.Get(url) // leak: never runs
	if err != nil {
		return 0
	}
	return resp.StatusCode
}
