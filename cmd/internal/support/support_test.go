package support

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
)

func TestReportHasNoPersonalData(t *testing.T) {
	dir := t.TempDir()
	s, err := data.Create(filepath.Join(dir, "register.ascolto"), data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Create(ctx, data.NewCase{Kind: data.KindComplaint, Channel: data.ChannelEmail, Subject: "Beschwerde über Frau Thöni",
		Citizen: data.Citizen{Name: "Zoë Thöni", Email: "zoe.thoeni@example.it", Phone: "+39 0471 123456"}}); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "ascolto.log")
	os.WriteFile(logPath, []byte("saved BZ-2026-000001 for zoe.thoeni@example.it, phone 0471123456\n"), 0o644)
	r := Report(ctx, "ascolto", s, logPath)
	for _, want := range []string{"ascolto dev", `"cases": 1`, `"received": 1`, "BZ-2026-000001", "<e-mail>", "<number>"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}
	for _, secret := range []string{"Thöni", "thoeni", "0471123456", "Beschwerde"} {
		if strings.Contains(r, secret) {
			t.Errorf("report leaks %q:\n%s", secret, r)
		}
	}
}
