package ui

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing/letter"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

// TestLetterStatusShowsTheTimestamp: the status of a letter signed with the office's
// time-stamping authority says when it was time-stamped, as the signature check reads
// it from the archived file; a letter signed without one says nothing of it.
func TestLetterStatusShowsTheTimestamp(t *testing.T) {
	authority, err := certtest.NewTSA("Test TSA")
	if err != nil {
		t.Fatal(err)
	}
	authority.Clock = func() time.Time { return time.Date(2026, 12, 7, 9, 41, 0, 0, time.UTC) }
	srv := httptest.NewServer(authority)
	defer srv.Close()
	b, err := certtest.P12(certtest.Spec{Name: "Giulia Ferrari", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.Load(b, "pw", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		tsa  string
		want string
	}{{srv.URL, "con marca temporale del 07/12/2026"}, {"", ""}} {
		s, c := letterCase(t)
		if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetLetterSetting(data.SettingTSA, tc.tsa) }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := letter.Issue(ctx, s, c.ID, letter.Options{Signer: signer, Text: "Ab 1. Dezember öffnen wir einen zweiten Schalter."}); err != nil {
			t.Fatal(err)
		}
		p, _ := showPanel(t, s, c, "it")
		got := p.status.Text
		if !strings.Contains(got, "firmata digitalmente da Giulia Ferrari") {
			t.Fatalf("status %q", got)
		}
		if tc.want != "" && (!strings.Contains(got, tc.want) || !strings.Contains(got, "10:41")) {
			t.Errorf("status %q lacks %q at 10:41 (Rome)", got, tc.want)
		}
		if tc.want == "" && strings.Contains(got, "marca temporale") {
			t.Errorf("a letter without a time-stamp: %q", got)
		}
	}
}

// TestLetterSettingsKeepTheAuthority: the letter settings show the office's
// time-stamping authority and save a new one; one with a password in it is refused
// with the reason, and the one saved stays.
func TestLetterSettingsKeepTheAuthority(t *testing.T) {
	s, _ := letterCase(t)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetLetterSetting(data.SettingTSA, "https://tsa.example/old") }); err != nil {
		t.Fatal(err)
	}
	_, w := showPanel(t, s, &data.Case{}, "de")
	ls := newLetterSettings(s, "de", w)
	if got := ls.entries[data.SettingTSA].Text; got != "https://tsa.example/old" {
		t.Fatalf("the settings show %q", got)
	}
	ls.entries[data.SettingTSA].SetText("https://tsa.example/new")
	ls.saveSettings()
	if st, _ := s.LetterSettings(ctx); st.TSA != "https://tsa.example/new" {
		t.Fatalf("saved %q", st.TSA)
	}
	ls.entries[data.SettingTSA].SetText("https://user:secret@tsa.example/")
	ls.saveSettings()
	if !ls.problem.Visible() {
		t.Fatal("an address with a password must be refused with the reason")
	}
	if st, _ := s.LetterSettings(ctx); st.TSA != "https://tsa.example/new" {
		t.Fatalf("a refused address replaced the saved one: %q", st.TSA)
	}
}

// TestLetterSettingsChoosePDFA: the letter settings show PDF/A as chosen by default and
// turn it off and on again.
func TestLetterSettingsChoosePDFA(t *testing.T) {
	s, _ := letterCase(t)
	ctx := context.Background()
	_, w := showPanel(t, s, &data.Case{}, "it")
	ls := newLetterSettings(s, "it", w)
	if !ls.pdfa.Checked {
		t.Fatal("PDF/A is the default and must show as chosen")
	}
	ls.pdfa.SetChecked(false)
	ls.saveSettings()
	if st, _ := s.LetterSettings(ctx); st.PDFA {
		t.Fatal("PDF/A turned off was not saved")
	}
	if ls = newLetterSettings(s, "it", w); ls.pdfa.Checked {
		t.Fatal("the settings show PDF/A chosen after it was turned off")
	}
	ls.pdfa.SetChecked(true)
	ls.saveSettings()
	if st, _ := s.LetterSettings(ctx); !st.PDFA {
		t.Fatal("PDF/A turned on again was not saved")
	}
}
