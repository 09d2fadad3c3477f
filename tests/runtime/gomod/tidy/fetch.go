// Package tidy fetches a URL and always closes the response body.
package tidy

import (
	"io"
	"net/http"
)

// Status returns the status code of a GET after draining and closing the body.
func Status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
