// Package translations holds every word Ascolto shows a person, in Italian, German and
// English, embedded in the program. Italian and German are equal: a key missing in one
// of them is a bug that the tests catch.
//
// Files are flat JSON objects, key → text, with {name} placeholders. <lang>.json holds
// the messages of the register and the command line; <area>.<lang>.json files (e.g.
// window.it.json) hold those of one part of the program and are merged in.
package translations

import (
	"embed"
	"encoding/json"
	"os"
	"sort"
	"strings"
)

// Languages the program speaks; the first is the fallback where nothing else fits.
var Languages = []string{"en", "it", "de"}

//go:embed *.json
var files embed.FS

var catalog = load()

func load() map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, err := files.ReadDir(".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		lang := name[strings.LastIndex(name, ".")+1:]
		b, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic("translations/" + e.Name() + ": " + err.Error())
		}
		if out[lang] == nil {
			out[lang] = map[string]string{}
		}
		for k, v := range m {
			out[lang][k] = v
		}
	}
	return out
}

// Files gives the embedded JSON files, e.g. for the window toolkit's own loader.
func Files() embed.FS { return files }

// Supported reports whether lang is one of the program's languages.
func Supported(lang string) bool {
	_, ok := catalog[lang]
	return ok
}

// T returns the text for key in lang with {name} placeholders filled from kv pairs. A
// key missing in lang falls back to English, then to the key itself, so that a person
// always reads something.
func T(lang, key string, kv ...string) string {
	args := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i]] = kv[i+1]
	}
	return Format(lang, key, args)
}

// Format is T with the arguments in a map.
func Format(lang, key string, args map[string]string) string {
	text, ok := catalog[lang][key]
	if !ok {
		if text, ok = catalog["en"][key]; !ok {
			text = key
		}
	}
	if !strings.Contains(text, "{") {
		return text
	}
	if lang == "it" {
		text = elideItalian(text, args)
	}
	pairs := make([]string, 0, 2*len(args))
	for k, v := range args {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Has reports whether lang has its own text for key.
func Has(lang, key string) bool {
	_, ok := catalog[lang][key]
	return ok
}

// Keys lists the keys of one language, sorted.
func Keys(lang string) []string {
	var out []string
	for k := range catalog[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FromLocale picks the language from a POSIX locale name such as "de_IT.UTF-8" or
// "it_IT@euro". Names that say nothing usable ("C", "POSIX", "") give "".
func FromLocale(locale string) string {
	locale = strings.ToLower(locale)
	if i := strings.IndexAny(locale, "_.@-"); i >= 0 {
		locale = locale[:i]
	}
	if Supported(locale) {
		return locale
	}
	return ""
}

// Detect chooses the language from the environment the way POSIX programs do
// (LC_ALL, then LC_MESSAGES, then LANG); ASCOLTO_LANG overrides all. An unusable locale
// such as LANG=C falls back to English.
func Detect() string {
	for _, v := range []string{"ASCOLTO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := FromLocale(os.Getenv(v)); l != "" {
			return l
		}
	}
	return Languages[0]
}
