// Package lib is a library the runtime tests vendor (govendor) and use from a workspace
// (gowork): its frames must never be blamed for its caller's leak.
package lib

import (
	"net/http"
	"sync"
)

// Fetch returns the response of a GET; closing its body is the caller's job.
func Fetch(url string) (*http.Response, error) {
	return http.Get(url)
}

var (
	polled  []*http.Response
	polling sync.WaitGroup
)

// StartPoller GETs url n times on a goroutine of its own and keeps every response open.
func StartPoller(url string, n int) {
	polling.Add(1)
	go func() {
		defer polling.Done()
		for i := 0; i < n; i++ {
			if resp, err := http.Get(url); err == nil {
				polled = append(polled, resp)
			}
		}
	}()
}

// Wait returns when the poller has finished.
func Wait() {
	polling.Wait()
}
