//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// The interface's own words that belong to one language: in the Italian texts and in
// none of the German or English ones, or the other way round. OCR is noisy, so only
// whole words of five letters or more count. Words the demo register's invented cases
// use are left out: a register may hold cases in either language whatever the
// interface's, and a word of a case on screen says nothing about the interface.
func languageWords(t *testing.T) (it, de map[string]bool) {
	t.Helper()
	words := func(suffix string) map[string]bool {
		files, err := filepath.Glob(filepath.Join("..", "..", "translations", "*"+suffix))
		if err != nil || len(files) == 0 {
			t.Fatalf("no translations/*%s: %v", suffix, err)
		}
		set := map[string]bool{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var texts map[string]string
			if err := json.Unmarshal(b, &texts); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, s := range texts {
				for _, w := range splitWords(s) {
					set[w] = true
				}
			}
		}
		return set
	}
	itAll, deAll, enAll := words(".it.json"), words(".de.json"), words(".en.json")
	data := map[string]bool{}
	for _, f := range []string{"demo.go", "words.go"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "data", "demo", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range splitWords(string(b)) {
			data[w] = true
		}
	}
	only := func(mine, other, other2 map[string]bool) map[string]bool {
		out := map[string]bool{}
		for w := range mine {
			if len([]rune(w)) >= 5 && !other[w] && !other2[w] && !data[w] {
				out[w] = true
			}
		}
		return out
	}
	it, de = only(itAll, deAll, enAll), only(deAll, itAll, enAll)
	if len(it) < 100 || len(de) < 100 {
		t.Fatalf("too few words of one language to tell them apart: %d Italian, %d German", len(it), len(de))
	}
	return it, de
}

// splitWords gives the lower-case words of letters in s (placeholders and numbers
// drop out).
func splitWords(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		out = append(out, f)
	}
	return out
}

// among returns the words of set that were read, sorted.
func among(set, read map[string]bool) []string {
	var out []string
	for w := range read {
		if set[w] {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}
