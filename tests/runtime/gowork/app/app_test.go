package app

import (
	"os"
	"strconv"
	"testing"
)

func TestCollectAndPoll(t *testing.T) {
	url := os.Getenv("LEAKDEMO_URL")
	if url == "" {
		t.Skip("LEAKDEMO_URL not set")
	}
	n, _ := strconv.Atoi(os.Getenv("LEAKDEMO_COUNT"))
	if got := len(Collect(url, n)); got != n {
		t.Fatalf("collected %d responses, want %d", got, n)
	}
	Poll(url, n)
}
