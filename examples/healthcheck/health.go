// Package healthcheck is the incident that started leaklint: a health probe that never closed
// resp.Body. Every probe leaked one TCP connection until the host ran out of TCP memory.
package healthcheck

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Checker probes a dependency's health endpoint.
type Checker struct {
	client *http.Client
	url    string
}

// NewChecker returns a Checker with a bounded client timeout.
func NewChecker(url string) *Checker {
	return &Checker{client: &http.Client{Timeout: 5 * time.Second}, url: url}
}

// Probe leaks: the body is never closed, on the error path or on success.
func (c *Checker) Probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", c.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: status %d", c.url, resp.StatusCode)
	}
	return nil
}

// ProbeFixed is the fix: the body is closed on every path.
func (c *Checker) ProbeFixed(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: status %d", c.url, resp.StatusCode)
	}
	return nil
}
