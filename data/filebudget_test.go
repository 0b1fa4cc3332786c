package data

import (
	"errors"
	"testing"
)

func TestParseFileBudget(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "500MB": 500 << 20, "20GiB": 20 << 30, "20 gb": 20 << 30, " 1,5G ": 3 << 29, "1.5TB": 3 << 39,
		"123456": 123456, "64k": 64 << 10, "100 KiB": 100 << 10, "7b": 7, "0MB": 0,
	} {
		got, err := ParseFileBudget(in)
		if err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "-5MB", "MB", "5 XB", "1.5", "1..5MB", "1.5.2GB", ".5GB", "5.GB", "1e9", "20 GB GB",
		"99999999999999999999", "8589934592TiB", "9223372036854775807KB", "1 000 MB", "0x10", "fünf MB", "5MB\n", "+5MB"} {
		got, err := ParseFileBudget(in)
		var p *Problem
		if in == "5MB\n" {
			if err != nil || got != 5<<20 {
				t.Errorf("%q: %d %v (a line's end is trimmed)", in, got, err)
			}
			continue
		}
		if !errors.As(err, &p) || p.Key != "exchange.file_budget_size" {
			t.Errorf("%q: %d %v, want a refusal", in, got, err)
		}
	}
}

func FuzzParseFileBudget(f *testing.F) {
	for _, s := range []string{"0", "500MB", "20GiB", "1,5 GB", "-1", "9223372036854775807", "1.0000000001TB", "७MB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseFileBudget(s)
		if err == nil && n < 0 {
			t.Fatalf("%q gives %d", s, n)
		}
	})
}
