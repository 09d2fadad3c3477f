// Package testmain leaks response bodies and has a TestMain of its own.
package testmain

import "net/http"

// Status returns the status code of a GET; the body leaks.
func Status(url string) int {
	resp, err := http.Get(url) // leak: the body is never closed
	if err != nil {
		return 0
	}
	return resp.StatusCode
}
