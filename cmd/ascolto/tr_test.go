//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tr gives a text of the interface as the translations have it, so that the day test
// follows the wording wherever it changes.
func tr(t *testing.T, lang, key string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "translations", "*."+lang+".json"))
	files = append(files, filepath.Join("..", "..", "translations", lang+".json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var texts map[string]string
		if json.Unmarshal(b, &texts) == nil && texts[key] != "" {
			return texts[key]
		}
	}
	t.Fatalf("no text %s in %s", key, lang)
	return ""
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// phrase is the longest stretch of a text without placeholders, cut to its first
// three words: what the test waits for on the screen (a short phrase is read whole
// more often than a long one).
func phrase(t *testing.T, lang, key string) string {
	t.Helper()
	best := ""
	for _, part := range placeholder.Split(tr(t, lang, key), -1) {
		part = strings.Trim(part, " ,.:;()«»\"'…")
		if len(part) > len(best) {
			best = part
		}
	}
	words := strings.Fields(best)
	if len(words) > 3 {
		words = words[:3]
	}
	if len(words) == 0 {
		t.Fatalf("text %s in %s has no words to look for", key, lang)
	}
	return strings.Join(words, " ")
}

// fyneText is a text Fyne's own widgets show, as the program gives it (ui/fynetext).
func fyneText(t *testing.T, lang, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "ui", "fynetext", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	// Plural forms are objects; the texts needed here are plain strings.
	var texts map[string]json.RawMessage
	var text string
	if err := json.Unmarshal(b, &texts); err != nil || json.Unmarshal(texts[key], &text) != nil || text == "" {
		t.Fatalf("no text %q in ui/fynetext/%s.json (%v)", key, lang, err)
	}
	return text
}
