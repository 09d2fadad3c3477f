// Package failing has a test that fails when LEAKDEMO_FAIL is set: validate must report it.
package failing

import (
	"os"
	"testing"
)

func TestFails(t *testing.T) {
	if os.Getenv("LEAKDEMO_FAIL") == "" {
		t.Skip("LEAKDEMO_FAIL not set")
	}
	t.Fatal("this test fails on purpose")
}
