package extract

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

var now = time.Date(2026, 11, 27, 10, 30, 0, 0, data.Rome)

type clock struct{}

func (clock) Now() time.Time { return now }

func register(t *testing.T, n int) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "r.ascolto"), data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano",
		NameDE: "Arbeitsvermittlungszentrum Bozen"}, data.Options{Clock: clock{}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	err = s.Update(context.Background(), func(tx *data.Tx) error {
		for i := 0; i < n; i++ {
			kind, who, subject := data.KindRequest, "Maria Rossi", "Iscrizione nelle liste di mobilità"
			if i%2 == 1 {
				kind, who, subject = data.KindComplaint, "Jörg Müller", "Wartezeiten am Schalter – „zu lang“"
			}
			if _, err := tx.Create(data.NewCase{Kind: kind, Channel: data.ChannelCounter, Subject: subject,
				ReceivedAt: now.Add(-time.Duration(n-i) * 6 * time.Hour), Citizen: data.Citizen{Name: who}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readBack(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext is not installed")
	}
	f := filepath.Join(t.TempDir(), "e.pdf")
	os.WriteFile(f, pdf, 0o644)
	out, err := exec.Command("pdftotext", append(append([]string{"-enc", "UTF-8"}, args...), f, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if q, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v %s", err, q)
	}
	return string(out)
}

func TestExtractInBothLanguages(t *testing.T) {
	s := register(t, 90)
	ctx := context.Background()
	f := data.Filter{Kinds: []data.Kind{data.KindComplaint}, Overdue: true, Sort: data.SortNumber}
	pdf, n, err := Render(ctx, s, Options{Language: "de", Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.Count(ctx, f)
	if n != want || n < 30 {
		t.Fatalf("%d cases, the list has %d", n, want)
	}
	got := readBack(t, pdf)
	for _, w := range []string{"Registerauszug", "Arbeitsvermittlungszentrum Bozen", "Filter: Art: Beschwerde · nur überfällige Vorgänge",
		"Wartezeiten am Schalter – „zu lang“", "Jörg Müller", "überfällig", "Seite 1 von 2", "Seite 2 von 2", "BZ-2026-000002"} {
		if !strings.Contains(got, w) {
			t.Errorf("extract lacks %q", w)
		}
	}
	if strings.Contains(got, "Maria Rossi") {
		t.Error("requests are filtered out")
	}
	pdf, _, err = Render(ctx, s, Options{Language: "it", Filter: data.Filter{}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got = readBack(t, pdf)
	for _, w := range []string{"Estratto del registro", "Tutte le pratiche del registro", "le prime 10 di 90 pratiche", "Iscrizione nelle liste di mobilità", "Pagina 1 di 1"} {
		if !strings.Contains(got, w) {
			t.Errorf("extract lacks %q:\n%s", w, got)
		}
	}
	if _, _, err := Render(ctx, s, Options{Language: "fr"}); err == nil {
		t.Error("an unknown language is refused")
	}
}
