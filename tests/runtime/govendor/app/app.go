// Package app calls a vendored library that returns open responses.
package app

import (
	"net/http"

	"example.com/lib"
)

// Collect fetches url n times through the library and keeps every response open.
func Collect(url string, n int) []*http.Response {
	var kept []*http.Response
	for i := 0; i < n; i++ {
		resp, err := lib.Fetch(url) // leak: the body is never closed
		if err == nil {
			kept = append(kept, resp)
		}
	}
	return kept
}

// Poll lets the library poll url n times on its own goroutine.
func Poll(url string, n int) {
	lib.StartPoller(url, n) // leak: the library keeps every body open
	lib.Wait()
}
