package data

import (
	"context"
	"time"
)

// update runs one change in its own transaction and returns its result.
func update[T any](s *Store, ctx context.Context, fn func(*Tx) (T, error)) (T, error) {
	var out T
	err := s.Update(ctx, func(t *Tx) error {
		var err error
		out, err = fn(t)
		return err
	})
	return out, err
}

// Create registers a new case in its own transaction.
func (s *Store) Create(ctx context.Context, nc NewCase) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.Create(nc) })
}

// SetStatus moves a case in its own transaction.
func (s *Store) SetStatus(ctx context.Context, ref Ref, to Status, at time.Time, note string) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.SetStatus(ref, to, at, note) })
}

// Assign gives a case to a clerk in its own transaction.
func (s *Store) Assign(ctx context.Context, ref Ref, name string) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.Assign(ref, name) })
}

// Reply records the written reply in its own transaction.
func (s *Store) Reply(ctx context.Context, ref Ref, text string, lang Language, at time.Time) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.Reply(ref, text, lang, at) })
}

// CloseCase ends an answered case in its own transaction.
func (s *Store) CloseCase(ctx context.Context, ref Ref, at time.Time) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.Close(ref, at) })
}

// Edit corrects a case's descriptive fields in its own transaction.
func (s *Store) Edit(ctx context.Context, ref Ref, e Edit) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.Edit(ref, e) })
}

// Attach keeps a file with a case in its own transaction.
func (s *Store) Attach(ctx context.Context, ref Ref, name, mime string, content []byte) (*Attachment, error) {
	return update(s, ctx, func(t *Tx) (*Attachment, error) { return t.Attach(ref, name, mime, content) })
}

// SetSatisfaction records the citizen's satisfaction in its own transaction.
func (s *Store) SetSatisfaction(ctx context.Context, ref Ref, score int) (*Case, error) {
	return update(s, ctx, func(t *Tx) (*Case, error) { return t.SetSatisfaction(ref, score) })
}
