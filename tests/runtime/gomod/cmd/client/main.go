// Command client calls the leaky or the tidy fetcher COUNT times, DELAY apart.
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
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: client leaky|tidy URL COUNT DELAY")
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
	time.Sleep(400 * time.Millisecond)
}
