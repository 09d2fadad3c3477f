// Package health is the brief's shape: a health checker whose client has its own
// http.Transport (TLS settings of its own, as for mTLS) and never closes resp.Body.
package health

import (
	"crypto/tls"
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

// Healthy reports whether the URL answers 200; the body is never closed.
func (c *Checker) Healthy(url string) bool {
	resp, err := c.client.Get(url) // leak: the body is never closed
	if err != nil {
		return false
	}
	return resp.StatusCode == http.StatusOK
}
