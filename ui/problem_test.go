package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
)

// failingExchange is an exchange whose sync fails with err and whose last look failed
// with it too.
type failingExchange struct {
	*fakeExchange
	err error
}

func (f *failingExchange) SyncOnce(context.Context) (ExchangeReport, error) {
	return ExchangeReport{}, f.err
}

// TestExchangeSaysTheDiskIsFull: the register's disk filled up while the exchange applied
// another office's changes. The window says the disk is full, naming the register, in
// the status line, the view's alarm and after "Sync now", as ascoltoctl does; it said
// "could not be saved", which sent the clerk after nothing.
func TestExchangeSaysTheDiskIsFull(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		s := newRegister(t, 1)
		// As the register reports a full disk while applying: its own "could not be
		// saved", the system's ENOSPC under it.
		full := &data.Problem{Key: "err.write", Err: fmt.Errorf("apply BZ/BZ-000000000001-000000000040.ascx: write %s-wal: %w", s.Path(), syscall.ENOSPC)}
		want := ErrorText(lang, data.Problemf("err.disk_full", "path", s.Path(), "dir", filepath.Dir(s.Path())))
		saved := ErrorText(lang, data.Problemf("err.write"))
		if ErrorText(lang, full) != saved || strings.Contains(want, saved) {
			t.Fatalf("the test does not tell the sentences apart: %q, %q", want, saved)
		}

		test.NewTempApp(t)
		sh, q, w := shellFor(t, s, lang, "")
		x := &failingExchange{fakeExchange: busyExchange(), err: full}
		x.st.LastError, x.st.LastErrorAt = full, lastScan.Add(5*60e9)
		sh.SetExchange(x)
		sh.ShowExchange()
		q.until(t, "the alarm", func() bool { return readsWrapped(w.Content(), want) })
		q.until(t, "the status line", func() bool { return strings.Contains(sh.ExchangeLine().Text(), want) })

		x.st.LastError = nil
		v := sh.Exchange()
		q.until(t, "the view ready", func() bool { return !v.busy && v.sync != nil })
		test.Tap(v.sync)
		q.until(t, "the sync's error", func() bool {
			top := w.Canvas().Overlays().Top()
			return top != nil && readsWrapped(top, want)
		})
		if all := strings.Join(texts(w.Canvas().Overlays().Top()), " "); strings.Contains(all, saved) {
			t.Errorf("%s: the window still says %q: %s", lang, saved, all)
		}
	}
}

// readsWrapped is reads for a text that may wrap inside a word (a long path).
func readsWrapped(o fyne.CanvasObject, want string) bool {
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return strings.Contains(squash(strings.Join(texts(o), "")), squash(want))
}

// TestRegisterCause: a read-only register is named as such; problems of the exchange
// folder keep their sentence (a full share is not the register's disk).
func TestRegisterCause(t *testing.T) {
	s := newRegister(t, 1)
	share := data.Problemf("exchange.write_failed", "path", `\\server\share\BZ\ack.json`, "detail", "no space left on device")
	share.Err = syscall.ENOSPC
	if got := RegisterCause(share, s.Path()); got != error(share) {
		t.Errorf("a full share became %v", got)
	}
	if got := RegisterCause(nil, s.Path()); got != nil {
		t.Errorf("no error became %v", got)
	}
	if os.Geteuid() == 0 {
		t.Skip("root writes a read-only file")
	}
	if err := os.Chmod(s.Path(), 0o444); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(s.Path(), 0o600)
	denied := &data.Problem{Key: "err.write", Err: fmt.Errorf("open %s: %w", s.Path(), os.ErrPermission)}
	if p, ok := data.AsProblem(RegisterCause(denied, s.Path())); !ok || p.Key != "err.readonly_file" {
		t.Errorf("a read-only register: %v", RegisterCause(denied, s.Path()))
	}
}
