package data

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseFileDetail: a manifest entry comes from another office's operation, so any
// text: it never panics, and what it takes is a file the register could hold — a valid
// SHA-256, a size within the limit, a name a clerk could have given — which written
// back in the operation's form gives the same text.
func FuzzParseFileDetail(f *testing.F) {
	sha := strings.Repeat("ab", 32)
	for _, s := range []string{
		"0196a3f2-7c1e-7b51-9a0e-1f2d3c4b5a69|Scansione domanda.pdf|20971520|application/pdf|" + sha,
		"0196a3f2-7c1e-7b51-9a0e-1f2d3c4b5a69|mail|original|.eml|2048|message/rfc822|" + sha,
		"0196a3f2-7c1e-7b51-9a0e-1f2d3c4b5a6a|BZ-2026-000017/1|de|48213|" + sha + "|Giulia Ferrari",
		"0196a3f2-7c1e-7b51-9a0e-1f2d3c4b5a6a|BZ-2026-000017/2|both|48213|" + sha + "|",
		"[redacted]", "||||", "x|a/b|1|t|" + sha, "x|n|-1|t|" + sha, "x|n|99999999999|t|" + sha,
		"x|n|1|t|" + strings.ToUpper(sha), "x|\x00|1|t|" + sha,
	} {
		f.Add(FileKindAttachment, s)
		f.Add(FileKindLetter, s)
	}
	f.Fuzz(func(t *testing.T, kind, detail string) {
		e, ok := parseFileDetail(kind, detail)
		if !ok {
			return
		}
		if !validSHA(e.sha) || e.size < 0 || e.size > MaxAttachment || e.id == "" || e.name == "" {
			t.Fatalf("took %q as %+v", detail, e)
		}
		var back string
		switch kind {
		case FileKindAttachment:
			if strings.ContainsAny(e.name, "/\\\x00") || CleanLine(e.name) != e.name {
				t.Fatalf("took the name %q", e.name)
			}
			back = strings.Join([]string{e.id, e.name, strconv.FormatInt(e.size, 10), e.mime, e.sha}, "|")
		case FileKindLetter:
			back = strings.Join([]string{e.id, e.number, e.language, strconv.FormatInt(e.size, 10), e.sha, e.signer}, "|")
		default:
			t.Fatalf("took a kind %q", kind)
		}
		// Sizes written with a sign or leading zeros are read as the number they are.
		if back != detail && strings.Count(back, "|") == strings.Count(detail, "|") && !strings.Contains(detail, "|+") && !strings.Contains(detail, "|0") {
			t.Fatalf("%q read back as %q", detail, back)
		}
	})
}
