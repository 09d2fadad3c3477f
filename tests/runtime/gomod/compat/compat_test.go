// Package compat checks what a program may rely on from net/http's defaults; it must pass with
// and without leaklint runtime validate.
package compat

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

func TestDefaultTransportIsATransport(t *testing.T) {
	clone := http.DefaultTransport.(*http.Transport).Clone()
	clone.MaxIdleConns = 1
	if _, ok := http.DefaultTransport.(interface{ CloseIdleConnections() }); !ok {
		t.Fatal("DefaultTransport lost CloseIdleConnections")
	}
}

func TestClientsStillWork(t *testing.T) {
	url := os.Getenv("LEAKDEMO_URL")
	if url == "" {
		t.Skip("LEAKDEMO_URL not set")
	}
	resp, err := (&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestUpgradedBodyIsStillWritable(t *testing.T) {
	url := os.Getenv("LEAKDEMO_URL")
	if url == "" {
		t.Skip("LEAKDEMO_URL not set")
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(url, "/data")+"/upgrade", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "leakdemo-echo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok {
		t.Fatalf("status %d, body writable %v", resp.StatusCode, ok)
	}
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, 4)
	if _, err := io.ReadFull(conn, echo); err != nil || string(echo) != "ping" {
		t.Fatalf("echo %q, %v", echo, err)
	}
}
