package untraced

import "testing"

func TestFirstByte(t *testing.T) {
	if FirstByte("untraced.go") != '/' {
		t.Fatal("unexpected first byte")
	}
}
