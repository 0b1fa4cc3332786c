package data

import (
	"context"
	"testing"
)

// TestTrustListSetting: the path of the trust list for signed files received is an
// office setting like the letters' (kept, read back, audited, one line only).
func TestTrustListSetting(t *testing.T) {
	s, _ := letterRegister(t)
	ctx := context.Background()
	set := func(v string) error {
		return s.Update(ctx, func(t *Tx) error { return t.SetLetterSetting(SettingTrustList, v) })
	}
	for _, bad := range []string{"/srv/tsl\n.xml", "a\x00b", string(make([]byte, 5000))} {
		if err := set(bad); letterProblemKey(err) != "letter.err_setting_value" {
			t.Errorf("%q: %v", bad[:min(len(bad), 20)], err)
		}
	}
	if err := set(`  \\server\ascolto\IT_TSL.xml  `); err != nil {
		t.Fatal(err)
	}
	st, err := s.LetterSettings(ctx)
	if err != nil || st.TrustList != `\\server\ascolto\IT_TSL.xml` {
		t.Fatalf("%q, %v", st.TrustList, err)
	}
	if err := set(""); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.LetterSettings(ctx); st.TrustList != "" {
		t.Fatalf("not cleared: %q", st.TrustList)
	}
	if h, _ := s.History(ctx, ""); len(h) != 2 {
		t.Fatalf("%d audit entries", len(h))
	}
}
