package leaky

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	url := os.Getenv("LEAKDEMO_URL")
	if url == "" {
		t.Skip("LEAKDEMO_URL not set")
	}
	count, _ := strconv.Atoi(os.Getenv("LEAKDEMO_COUNT"))
	delay, _ := time.ParseDuration(os.Getenv("LEAKDEMO_DELAY"))
	for i := 0; i < count; i++ {
		if Status(url) != 200 {
			t.Fatal("request failed")
		}
		time.Sleep(delay)
	}
}
