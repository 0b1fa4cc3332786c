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
