package demo

import (
	"context"
	"path/filepath"
	"testing"

	"ascolto/data"
)

// BenchmarkGenerate measures demo generation through the one write path, per case.
func BenchmarkGenerate(b *testing.B) {
	s, err := data.Create(filepath.Join(b.TempDir(), "demo.ascolto"), Office(), data.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	if err := Generate(context.Background(), s, Options{Count: b.N, Seed: 1}); err != nil {
		b.Fatal(err)
	}
}
