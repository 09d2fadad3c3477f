// Command client calls the leaky or the tidy fetcher COUNT times, DELAY apart, then stays
// alive for HOLD (default 400ms) so that a watcher sees the final state.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"leakdemo/leaky"
	"leakdemo/tidy"
)

func main() {
	if len(os.Args) != 5 && len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: client leaky|tidy URL COUNT DELAY [HOLD]")
		os.Exit(2)
	}
	status := tidy.Status
	if os.Args[1] == "leaky" {
		status = leaky.Status
	}
	count, _ := strconv.Atoi(os.Args[3])
	delay, _ := time.ParseDuration(os.Args[4])
	for i := 0; i < count; i++ {
		status(os.Args[2])
		time.Sleep(delay)
	}
	hold := 400 * time.Millisecond
	if len(os.Args) == 6 {
		hold, _ = time.ParseDuration(os.Args[5])
	}
	time.Sleep(hold)
}
