package translations

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"ascolto/data"
)

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// TestLanguagesAreEqual: Italian and German (and English) have the same keys, none
// empty, with the same placeholders, so that no clerk ever reads a key or a hole.
func TestLanguagesAreEqual(t *testing.T) {
	en := Keys("en")
	if len(en) < 50 {
		t.Fatalf("only %d English keys", len(en))
	}
	for _, lang := range []string{"it", "de"} {
		if got := Keys(lang); strings.Join(got, ",") != strings.Join(en, ",") {
			t.Errorf("%s keys differ from en: missing %v, extra %v", lang, diff(en, got), diff(got, en))
		}
		for _, k := range en {
			text := catalog[lang][k]
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
			a, b := placeholder.FindAllString(catalog["en"][k], -1), placeholder.FindAllString(text, -1)
			sort.Strings(a)
			sort.Strings(b)
			if strings.Join(a, "") != strings.Join(b, "") {
				t.Errorf("%s: %s has placeholders %v, English %v", lang, k, b, a)
			}
		}
	}
}

func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// dynamic are key families the code builds from a value (kind.+k): each member must
// exist for every value, and the family counts as used.
var dynamic = map[string][]string{
	"kind.":     strs(data.Kinds),
	"status.":   strs(data.Statuses),
	"channel.":  strs(data.Channels),
	"language.": {"it", "de", "en"},
	"action.":   {"create", "status", "assign", "reply", "close", "edit", "attach", "settings", "satisfaction", "forward", "resolve", "renumber"},
}

func strs[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

var keyLiteral = regexp.MustCompile(`"((?:err|cli|field|action|verify|window|ui|letter|stats|report|exchange|settings|intake|case)\.[a-z0-9_.]*[a-z0-9_])"`)
var cmdName = regexp.MustCompile(`\{"([a-z]+)", "[a-z]`)

// TestEveryKeyIsUsedAndEveryUseHasAKey reads the program's Go sources: a key written in
// the code must exist, and a key in the files must be used somewhere.
func TestEveryKeyIsUsedAndEveryUseHasAKey(t *testing.T) {
	used := map[string]bool{}
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
			if !Has("en", m[1]) {
				t.Errorf("%s uses %q, which no translation file has", path, m[1])
			}
		}
		if strings.Contains(path, filepath.Join("cmd", "ascoltoctl")) {
			for _, m := range cmdName.FindAllStringSubmatch(string(b), -1) {
				used["cli.cmd."+m[1]] = true // the help line of each command
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for prefix, values := range dynamic {
		for _, v := range values {
			used[prefix+v] = true
			if !Has("en", prefix+v) {
				t.Errorf("missing %s%s", prefix, v)
			}
		}
	}
	for _, k := range Keys("en") {
		if !used[k] {
			t.Errorf("%s is in the translation files but used nowhere", k)
		}
	}
}

func TestLookupAndLocale(t *testing.T) {
	if got := T("de", "err.unknown_ref", "ref", "BZ-2026-000007"); got != "Im Register gibt es keinen Vorgang \"BZ-2026-000007\"." {
		t.Fatal(got)
	}
	if got := T("it", "no.such.key"); got != "no.such.key" {
		t.Fatal(got)
	}
	for locale, want := range map[string]string{"de_IT.UTF-8": "de", "it_IT@euro": "it", "C": "", "C.UTF-8": "", "POSIX": "", "": "", "en_GB": "en", "fr_FR.UTF-8": ""} {
		if got := FromLocale(locale); got != want {
			t.Errorf("FromLocale(%q) = %q, want %q", locale, got, want)
		}
	}
	t.Setenv("ASCOLTO_LANG", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "C.UTF-8")
	if Detect() != "en" {
		t.Fatal("LANG=C.UTF-8 must fall back to English")
	}
	t.Setenv("LC_MESSAGES", "it_IT.UTF-8")
	if Detect() != "it" {
		t.Fatal("LC_MESSAGES=it_IT")
	}
}
