package data

import (
	"math"
	"strconv"
	"strings"
)

// ParseFileBudget reads the space for files in the shared folder as an administrator
// writes it: a number of bytes, or a number with a unit — KB, MB, GB, TB (also K, M,
// G, T and KiB, MiB, GiB, TiB), any case, a space allowed before it. The units count
// in 1024s, as the program shows sizes ("500 MB" is what the window and the status
// say back). A decimal comma is read like a point ("1,5GB"): Italian and German write
// it so. 0 means no limit. Anything else is a Problem "exchange.file_budget_size" that
// repeats what was written.
func ParseFileBudget(s string) (int64, error) {
	bad := func() (int64, error) { return 0, Problemf("exchange.file_budget_size", "value", CleanLine(s)) }
	t := strings.TrimSpace(s)
	end := 0
	for end < len(t) && (t[end] >= '0' && t[end] <= '9' || t[end] == '.' || t[end] == ',') {
		end++
	}
	num, unit := strings.ReplaceAll(t[:end], ",", "."), strings.ToLower(strings.TrimSpace(t[end:]))
	if num == "" || num[0] == '.' || num[len(num)-1] == '.' || strings.Count(num, ".") > 1 {
		return bad()
	}
	shift := -1
	for i, us := range [][]string{{"", "b"}, {"k", "kb", "kib"}, {"m", "mb", "mib"}, {"g", "gb", "gib"}, {"t", "tb", "tib"}} {
		for _, u := range us {
			if unit == u {
				shift = 10 * i
			}
		}
	}
	if shift < 0 {
		return bad()
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64>>shift {
			return bad()
		}
		return n << shift, nil
	}
	if shift == 0 {
		return bad() // a part of a byte
	}
	v, err := strconv.ParseFloat(num, 64)
	v = math.Round(v * float64(int64(1)<<shift))
	if err != nil || v >= math.MaxInt64 {
		return bad()
	}
	return int64(v), nil
}
