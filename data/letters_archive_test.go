package data

import (
	"context"
	"testing"
)

// TestArchiveLetterSettings: letters are PDF/A unless the office says "false"; the
// time-stamping authority is an http or https address without a user or password in
// it (the settings' changes are audited for every office to read).
func TestArchiveLetterSettings(t *testing.T) {
	s, _ := letterRegister(t)
	ctx := context.Background()
	set := func(key, value string) error {
		return s.Update(ctx, func(t *Tx) error { return t.SetLetterSetting(key, value) })
	}
	if st, _ := s.LetterSettings(ctx); !st.PDFA || st.TSA != "" {
		t.Fatalf("defaults: %+v", st)
	}
	for _, bad := range []string{"ftp://tsa.example/", "tsa.example", "https://user:secret@tsa.example/tsa", "https:///tsa"} {
		if err := set(SettingTSA, bad); letterProblemKey(err) != "letter.err_setting_value" {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := set(SettingPDFA, "no"); letterProblemKey(err) != "letter.err_setting_value" {
		t.Errorf("pdfa=no: %v", err)
	}
	if err := set(SettingTSA, " https://freetsa.example/tsr "); err != nil {
		t.Fatal(err)
	}
	if err := set(SettingPDFA, "false"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.LetterSettings(ctx); st.PDFA || st.TSA != "https://freetsa.example/tsr" {
		t.Fatalf("%+v", st)
	}
	if err := set(SettingPDFA, ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.LetterSettings(ctx); !st.PDFA {
		t.Fatal("an empty value goes back to PDF/A")
	}
}
