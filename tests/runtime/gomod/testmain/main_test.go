package testmain

import (
	"os"
	"strconv"
	"testing"
)

var count int

func TestMain(m *testing.M) {
	count, _ = strconv.Atoi(os.Getenv("LEAKDEMO_COUNT"))
	os.Exit(m.Run())
}

func TestStatus(t *testing.T) {
	url := os.Getenv("LEAKDEMO_URL")
	if url == "" {
		t.Skip("LEAKDEMO_URL not set")
	}
	for i := 0; i < count; i++ {
		if Status(url) != 200 {
			t.Fatal("request failed")
		}
	}
}
