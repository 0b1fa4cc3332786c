package intake_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"ascolto/data"
	"ascolto/data/intake"
)

// FuzzTakeIn feeds any file to the intake: it never panics, refuses only with a
// problem a person can read, and a message it registered is, the second time, the same
// case and nothing more.
func FuzzTakeIn(f *testing.F) {
	for _, dir := range []string{"../mailin/testdata", "../../cmd/ascoltoctl/testdata"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(plain)
	f.Add(mailWith("", ""))
	f.Add(mailWith("32 Jun 2026 25:61 +9999", "<>"))
	f.Add([]byte("Subject: \r\n\r\n"))
	s, _ := register(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, _, err := intake.TakeIn(ctx, s, "fuzz.eml", raw, intake.Options{})
		if err != nil {
			p, ok := data.AsProblem(err)
			if !ok || p.Key == "err.write" || p.Key == "err.internal" {
				t.Fatalf("refused without a readable reason: %v", err)
			}
			return
		}
		again, _, err := intake.TakeIn(ctx, s, "fuzz.eml", raw, intake.Options{})
		if err != nil || !again.Duplicate || again.Case.ID != res.Case.ID {
			t.Fatalf("the same file again: %+v %v (first %s)", again, err, res.Case.Number)
		}
	})
}
