//go:build !linux

package data

import "testing"

// lockedOutside needs Linux's view of the locks; elsewhere the tests using it skip first.
func lockedOutside(t *testing.T, path string, want bool) { t.Helper() }
