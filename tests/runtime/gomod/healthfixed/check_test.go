package healthfixed

import (
	"os"
	"strconv"
	"testing"
)

func TestHealthy(t *testing.T) {
	url := os.Getenv("LEAKDEMO_URL")
	if url == "" {
		t.Skip("LEAKDEMO_URL not set")
	}
	count, _ := strconv.Atoi(os.Getenv("LEAKDEMO_COUNT"))
	checker := New()
	for i := 0; i < count; i++ {
		if !checker.Healthy(url) {
			t.Fatal("not healthy")
		}
	}
}
