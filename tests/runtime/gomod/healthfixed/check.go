// Package healthfixed is the fixed health checker: same client with its own Transport, and
// the body drained and closed on every path.
package healthfixed

import (
	"crypto/tls"
	"io"
	"net/http"
	"time"
)

// Checker probes one URL with its own client.
type Checker struct {
	client *http.Client
}

// New returns a Checker whose client has a Transport of its own.
func New() *Checker {
	transport := &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 2}
	return &Checker{client: &http.Client{Transport: transport, Timeout: 5 * time.Second}}
}

// Healthy reports whether the URL answers 200; the body is drained and closed.
func (c *Checker) Healthy(url string) bool {
	resp, err := c.client.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}
