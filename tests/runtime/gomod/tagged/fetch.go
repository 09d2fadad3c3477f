//go:build leakdemo

// Package tagged exists only with -tags leakdemo; its body leaks.
package tagged

import "net/http"

// Status returns the status code of a GET; the body leaks.
func Status(url string) int {
	resp, err := http.Get(url) // leak: the body is never closed
	if err != nil {
		return 0
	}
	return resp.StatusCode
}
