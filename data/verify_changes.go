package data

import (
	"encoding/json"
	"unicode/utf8"
)

// fieldChange is one field of an audit entry's changes and the value it was given.
type fieldChange struct{ field, value string }

// readChanges reads an audit entry's changes (field → [old, new]) into buf, reused from
// entry to entry; ok is false where json.Unmarshal into map[string][2]string fails. The
// replay reads every entry of the register, so the form encodeChanges writes (plain
// strings, no escapes, each field once) is read in place, without encoding/json and
// without copying; anything else goes through encoding/json, so both read alike
// (FuzzReadChanges).
func readChanges(changes string, buf []fieldChange) ([]fieldChange, bool) {
	if out, ok := readPlainChanges(changes, buf[:0]); ok {
		return out, true
	}
	var m map[string][2]string
	if json.Unmarshal([]byte(changes), &m) != nil {
		return buf[:0], false
	}
	out := buf[:0]
	for f, v := range m {
		out = append(out, fieldChange{f, v[1]})
	}
	return out, true
}

// readPlainChanges reads {"field":["old","new"],...} when every string is plain (valid
// UTF-8, no backslash, no control character) and no field comes twice; ok is false for
// anything else, which json.Unmarshal then reads.
func readPlainChanges(s string, out []fieldChange) ([]fieldChange, bool) {
	i := 0
	ws := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	lit := func(c byte) bool {
		ws()
		if i < len(s) && s[i] == c {
			i++
			return true
		}
		return false
	}
	str := func() (string, bool) {
		ws()
		if i >= len(s) || s[i] != '"' {
			return "", false
		}
		start := i + 1
		for j := start; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"':
				v := s[start:j]
				if !utf8.ValidString(v) {
					return "", false
				}
				i = j + 1
				return v, true
			case c == '\\' || c < 0x20:
				return "", false
			}
		}
		return "", false
	}
	if !lit('{') {
		return out, false
	}
	if !lit('}') {
		for {
			f, ok := str()
			if !ok || !lit(':') || !lit('[') {
				return out, false
			}
			if _, ok := str(); !ok || !lit(',') {
				return out, false
			}
			v, ok := str()
			if !ok || !lit(']') {
				return out, false
			}
			for _, c := range out {
				if c.field == f {
					return out, false // the last one counts in encoding/json
				}
			}
			out = append(out, fieldChange{f, v})
			if lit('}') {
				break
			}
			if !lit(',') {
				return out, false
			}
		}
	}
	ws()
	return out, i == len(s)
}
