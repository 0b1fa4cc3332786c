package demo

import (
	"context"
	"path/filepath"
	"testing"

	"ascolto/data"
)

func TestDemoRegisterIsRealistic(t *testing.T) {
	s, err := data.Create(filepath.Join(t.TempDir(), "demo.ascolto"), Office(), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	calls := 0
	if err := Generate(ctx, s, Options{Count: 3000, Seed: 7, Progress: func(done, total int) { calls++ }}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, data.Filter{}); n != 3000 || calls == 0 {
		t.Fatalf("%d cases, %d progress calls", n, calls)
	}
	for _, k := range data.Kinds {
		if n, _ := s.Count(ctx, data.Filter{Kinds: []data.Kind{k}}); n == 0 {
			t.Errorf("no %s", k)
		}
	}
	for _, c := range data.Channels {
		if n, _ := s.Count(ctx, data.Filter{Channels: []data.Channel{c}}); n == 0 {
			t.Errorf("no %s", c)
		}
	}
	for _, st := range data.Statuses {
		if n, _ := s.Count(ctx, data.Filter{Statuses: []data.Status{st}}); n == 0 {
			t.Errorf("no %s", st)
		}
	}
	if n, _ := s.Count(ctx, data.Filter{Overdue: true}); n == 0 {
		t.Error("no overdue cases")
	}
	for _, q := range []string{"muller", "nicolo", "wartezeit", "Thöni"} {
		if n, _ := s.Count(ctx, data.Filter{Query: q}); n == 0 {
			t.Errorf("search %q finds nothing", q)
		}
	}
	rep, err := s.Verify(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep.Findings)
	}
}
