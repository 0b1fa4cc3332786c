package draft

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type form struct {
	Subject string
	Citizen string
	Lines   []string
}

func TestSaveLoadRemove(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "register.ascolto.drafts"))
	if err != nil {
		t.Fatal(err)
	}
	var got form
	if found, err := s.Load("intake", &got); found || err != nil {
		t.Fatalf("empty folder: found %v, %v", found, err)
	}
	want := form{Subject: "Wartezeiten am Schalter", Citizen: "Jörg Müller", Lines: []string{"uno", "zwei"}}
	if err := s.Save("intake", want); err != nil {
		t.Fatal(err)
	}
	if found, err := s.Load("intake", &got); !found || err != nil || got.Subject != want.Subject || got.Citizen != want.Citizen || len(got.Lines) != 2 {
		t.Fatalf("load: %v %v %+v", found, err, got)
	}
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].Name != "intake" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := s.Remove("intake"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("intake"); err != nil {
		t.Fatalf("removing a missing draft: %v", err)
	}
	if found, _ := s.Load("intake", &got); found {
		t.Fatal("removed draft still found")
	}
	for _, bad := range []string{"", "../x", "a/b", "a b", strings.Repeat("x", 200)} {
		if err := s.Save(bad, want); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}

// A torn temporary file (a crash between create and rename) is cleaned away at the
// next open and the last complete draft is the one read; an unreadable draft is kept
// aside, not deleted, and reported.
func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	if err := s.Save("intake", form{Subject: "complete"}); err != nil {
		t.Fatal(err)
	}
	torn := filepath.Join(dir, "intake.json.tmp-123")
	os.WriteFile(torn, []byte(`{"Subject":"half`), 0o600)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(torn); !errors.Is(err, os.ErrNotExist) {
		t.Error("torn temporary file left behind")
	}
	var got form
	if found, err := s.Load("intake", &got); !found || err != nil || got.Subject != "complete" {
		t.Fatalf("%v %v %+v", found, err, got)
	}
	os.WriteFile(filepath.Join(dir, "reply-x.json"), []byte("{not json"), 0o600)
	if _, err := s.Load("reply-x", &got); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt draft: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "reply-x.json.corrupt")); err != nil {
		t.Error("corrupt draft not kept aside")
	}
}

func TestAutosaverCoalescesAndFlushes(t *testing.T) {
	s, _ := Open(t.TempDir())
	a := NewAutosaver(s, "intake", time.Hour) // only Flush writes
	for _, subj := range []string{"W", "Wa", "War", "Wartezeit"} {
		a.Set(form{Subject: subj})
	}
	var got form
	if found, _ := s.Load("intake", &got); found {
		t.Fatal("written before the delay")
	}
	a.Flush()
	if found, _ := s.Load("intake", &got); !found || got.Subject != "Wartezeit" {
		t.Fatalf("after flush: %+v", got)
	}
	a.Set(form{Subject: "later"})
	if err := a.Discard(); err != nil {
		t.Fatal(err)
	}
	a.Flush()
	if found, _ := s.Load("intake", &got); found {
		t.Fatal("discarded draft written")
	}

	b := NewAutosaver(s, "quick", 10*time.Millisecond)
	b.Set(form{Subject: "soon"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if found, _ := s.Load("quick", &got); found && got.Subject == "soon" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("autosaver never wrote")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The crash itself: a separate process types a draft through an Autosaver and is killed
// without any chance to clean up; a new process finds the draft as typed.
func TestDraftSurvivesAKilledProcess(t *testing.T) {
	if os.Getenv("DRAFT_CRASH_DIR") != "" {
		return // the helper below does the work in the child
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "DRAFT_CRASH_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the helper was not killed: %v\n%s", err, out)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got form
	found, err := s.Load("intake", &got)
	if !found || err != nil || got.Subject != "Reclamo: orari dello sportello" || got.Citizen != "Nicolò Bernardi" {
		t.Fatalf("after the crash: found %v, %v, %+v\n%s", found, err, got, out)
	}
}

func TestCrashHelper(t *testing.T) {
	dir := os.Getenv("DRAFT_CRASH_DIR")
	if dir == "" {
		t.Skip("helper for TestDraftSurvivesAKilledProcess")
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := NewAutosaver(s, "intake", 20*time.Millisecond)
	typed := ""
	for _, r := range "Reclamo: orari dello sportello" {
		typed += string(r)
		a.Set(form{Subject: typed, Citizen: "Nicolò Bernardi"})
	}
	time.Sleep(300 * time.Millisecond) // the autosaver's delay passes; no Flush, no Close
	p, _ := os.FindProcess(os.Getpid())
	p.Kill()
	time.Sleep(time.Minute)
}
