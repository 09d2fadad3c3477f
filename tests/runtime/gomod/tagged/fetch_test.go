//go:build leakdemo

package tagged

import (
	"os"
	"strconv"
	"testing"
)

func TestStatus(t *testing.T) {
	url := os.Getenv("LEAKDEMO_URL")
	count, _ := strconv.Atoi(os.Getenv("LEAKDEMO_COUNT"))
	for i := 0; i < count; i++ {
		if Status(url) != 200 {
			t.Fatal("request failed")
		}
	}
}
