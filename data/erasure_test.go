package data_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/draft"
)

// zwischenbrugger is the citizen whose erasure the byte tests follow: every value is
// written so that it appears nowhere else in the register.
var zwischenbrugger = data.Citizen{Name: "Walburga Zwischenbrugger", Email: "w.zwischenbrugger@quellhof.example",
	Phone: "0471 998877", Address: "Fennbergweg 19, 39040 Kurtatsch", Language: data.German}

// erasedNeedles are the erased values as the register may hold them: in their own form,
// as the search index stores its words (lower case, accents folded) and typed out.
var erasedNeedles = []string{"Zwischenbrugger", "zwischenbrugger", "ZWISCHENBRUGGER", "Walburga", "walburga",
	"quellhof", "Fennbergweg", "fennbergweg", "Kurtatsch", "kurtatsch", "998877", "0471 998877", "0471998877",
	"Mühlbachl", "muhlbachl", "muehlbachl", "Anhang-Geheimnis-7Q", "Brief-Geheimnis-7Q"}

// leftovers reports every needle found in b, with the bytes around it; "0471" is
// looked for alone too, but only where no hexadecimal digit or hyphen touches it (a
// digest in hexadecimal, a group of a UUID, holds any four digits by chance).
func leftovers(name string, b []byte) []string {
	var out []string
	lower := bytes.ToLower(b)
	for _, n := range erasedNeedles {
		if i := bytes.Index(b, []byte(n)); i >= 0 {
			out = append(out, fmt.Sprintf("%s: %q at byte %d: %q", name, n, i, b[max(0, i-40):min(len(b), i+40)]))
		} else if i := bytes.Index(lower, bytes.ToLower([]byte(n))); i >= 0 {
			out = append(out, fmt.Sprintf("%s: %q (other case) at byte %d", name, n, i))
		}
	}
	hex := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-'
	}
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("0471"))
		if i < 0 {
			break
		}
		i += off
		if (i == 0 || !hex(b[i-1])) && (i+4 >= len(b) || !hex(b[i+4])) {
			out = append(out, fmt.Sprintf("%s: \"0471\" at byte %d: %q", name, i, b[max(0, i-40):min(len(b), i+40)]))
			break
		}
		off = i + 1
	}
	return out
}

// registerFiles reads the register file and its WAL as they are on disk.
func registerFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []string{path, path + "-wal", path + "-journal"} {
		b, err := os.ReadFile(p)
		if err == nil {
			out[filepath.Base(p)] = b
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return out
}

// erasureSubject gives the register a case of Walburga Zwischenbrugger with everything an
// office keeps about a person: her details, free texts naming her, a changed description
// (an earlier version left behind), two files (one shared with another case), and a
// letter; around it 200 other cases. It returns her case and the other case sharing the file.
func erasureSubject(t *testing.T, s *data.Store, clock *privClock) (her, sharing *data.Case) {
	t.Helper()
	ctx := context.Background()
	for i := range 200 {
		cit := data.Citizen{Name: fmt.Sprintf("Cittadino Numero%d", i), Email: fmt.Sprintf("c%d@example.it", i),
			Phone: fmt.Sprintf("+39 333 %07d", 1000000+i), Language: data.Italian}
		answeredCase(t, s, clock, "2026-02-01 09:00", "2026-02-02 09:00", cit)
	}
	her = answeredCase(t, s, clock, "2026-03-02 09:00", "2026-03-03 10:00", zwischenbrugger)
	desc := "Frau Zwischenbrugger aus Mühlbachl bittet um Rückruf unter 0471 998877."
	if _, err := s.Edit(ctx, her.Number, data.Edit{Description: &desc}); err != nil {
		t.Fatal(err)
	}
	desc = "Frau Zwischenbrugger (Fennbergweg 19, Kurtatsch) bittet um Rückruf unter 0471 998877."
	if _, err := s.Edit(ctx, her.Number, data.Edit{Description: &desc}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attach(ctx, her.Number, "zwischenbrugger-lebenslauf.txt", "text/plain",
		[]byte("Lebenslauf Walburga Zwischenbrugger, Anhang-Geheimnis-7Q, Tel. 0471 998877")); err != nil {
		t.Fatal(err)
	}
	shared := []byte("Merkblatt des Amtes: Öffnungszeiten und Sprechstunden")
	if _, err := s.Attach(ctx, her.Number, "merkblatt.txt", "text/plain", shared); err != nil {
		t.Fatal(err)
	}
	sharing = answeredCase(t, s, clock, "2026-03-04 09:00", "2026-03-05 10:00", mueller)
	if _, err := s.Attach(ctx, sharing.Number, "merkblatt.txt", "text/plain", shared); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx *data.Tx) error {
		_, err := tx.IssueLetter(her.Number, data.LetterRequest{Render: func(c *data.Case, l *data.Letter) ([]byte, error) {
			return []byte("%PDF-1.4 Sehr geehrte Frau Walburga Zwischenbrugger, Fennbergweg 19, 39040 Kurtatsch. Brief-Geheimnis-7Q"), nil
		}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return her, sharing
}

// TestErasureLeavesNoByteBehind: after an erasure no byte of the citizen's data is left in
// the register file, its WAL or a backup made afterwards, in any form the register
// stores it (the search index's folded words included), while a file another case still
// uses stays.
func TestErasureLeavesNoByteBehind(t *testing.T) {
	s, clock := privRegister(t, "2026-02-01 09:00")
	ctx := context.Background()
	her, sharing := erasureSubject(t, s, clock)

	// The needles are found before: the test can see what it looks for.
	checkpointWhole(t, s)
	before := registerFiles(t, s.Path())
	if found := leftovers("register", before["register.ascolto"]); len(found) < 5 {
		t.Fatalf("the citizen's data is not where the test looks for it: %v", found)
	}

	// A second reply typed in the window and not saved: a draft beside the register.
	drafts, err := draft.Open(draft.DirFor(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	replyDraft := "reply-" + her.ID // the window's name for it (ui/caseview.go)
	if err := drafts.Save(replyDraft, map[string]string{"text": "Sehr geehrte Frau Zwischenbrugger, Tel. 0471 998877"}); err != nil {
		t.Fatal(err)
	}

	clock.set("2026-06-01 10:00")
	erased, err := s.Erase(ctx, []data.Ref{her.Number}, "Antrag Prot. 2026/118")
	if err != nil || len(erased) != 1 {
		t.Fatal(erased, err)
	}
	if found, err := drafts.Load(replyDraft, new(map[string]string)); found || err != nil {
		t.Errorf("the unsaved reply to the erased case is still a draft (%v)", err)
	}
	if s.ErasurePending(ctx) {
		t.Error("the rewrite is still owed after Erase returned")
	}
	var found []string
	for name, b := range registerFiles(t, s.Path()) {
		found = append(found, leftovers(name, b)...)
	}
	backup := filepath.Join(t.TempDir(), "backup.ascolto")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for name, b := range registerFiles(t, backup) {
		found = append(found, leftovers("backup "+name, b)...)
	}
	for _, f := range found {
		t.Error(f)
	}

	// What stays: the file the other case uses, the case's number and figures, and the
	// register still checks out.
	list, err := s.Attachments(ctx, sharing.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("the other case's file: %v %v", list, err)
	}
	if b, err := s.AttachmentContent(ctx, list[0].SHA256); err != nil || !bytes.Contains(b, []byte("Merkblatt")) {
		t.Fatalf("the shared file's content went: %q %v", b, err)
	}
	if mine, _ := s.Attachments(ctx, her.ID); len(mine) != 0 {
		t.Errorf("the erased case still lists files: %+v", mine)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after erasure: %v %+v", err, rep.Findings)
	}
	got, err := s.Search(ctx, data.Filter{Query: "Zwischenbrugger"})
	if err != nil || len(got) != 0 {
		t.Errorf("search still finds the erased citizen: %v %v", got, err)
	}
	if c, err := s.Get(ctx, her.Number); err != nil || c.Number != her.Number || c.AnsweredAt == nil {
		t.Errorf("the case itself went: %+v %v", c, err)
	}
}

// checkpointWhole copies the whole WAL into the register file. A checkpoint that meets a
// reader still in the WAL (a pooled connection, the change watch) reports busy in its
// row instead of failing, and leaves pages in the WAL: on a loaded machine that happens,
// so it is asked again until it says it is done.
func checkpointWhole(t *testing.T, s *data.Store) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var busy, log, done int
		if err := s.DB().QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &log, &done); err != nil {
			t.Fatal(err)
		}
		if busy == 0 && log == done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WAL could not be checkpointed in a minute (busy %d, %d of %d pages)", busy, done, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestErasureScrubsInPlace: the citizen's data spread through the file by ordinary work
// after her case was made (her row edited with long texts, then 1,500 more cases that
// split its pages and merged the search index, all written without secure_delete) is
// gone after the erasure from the register, its WAL and a later backup, while the file
// is not rewritten: its free pages stay where they were, zeroed (a VACUUM, which held
// the write lock for a minute at a million cases, would leave none), and the register
// is sound.
func TestErasureScrubsInPlace(t *testing.T) {
	s, clock := privRegister(t, "2026-02-01 09:00")
	ctx := context.Background()
	her, _ := erasureSubject(t, s, clock)
	long := strings.Repeat("Frau Walburga Zwischenbrugger aus Mühlbachl, Fennbergweg 19, Kurtatsch, Tel. 0471 998877. ", 60)
	for i := range 3 {
		desc := long[:len(long)-i*200]
		if _, err := s.Edit(ctx, her.Number, data.Edit{Description: &desc}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1500 {
		cit := data.Citizen{Name: fmt.Sprintf("Bürgerin Nummer%d", i), Email: fmt.Sprintf("b%d@example.it", i), Language: data.German}
		answeredCase(t, s, clock, "2026-04-01 09:00", "2026-04-02 09:00", cit)
	}
	if _, err := s.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var freeBefore, pagesBefore int
	s.DB().QueryRow(`PRAGMA freelist_count`).Scan(&freeBefore)
	s.DB().QueryRow(`PRAGMA page_count`).Scan(&pagesBefore)
	if freeBefore == 0 {
		t.Fatal("the register has no free page: the test cannot tell a rewrite from none")
	}

	clock.set("2026-06-01 10:00")
	if _, err := s.Erase(ctx, []data.Ref{her.Number}, "Antrag Prot. 2026/119"); err != nil {
		t.Fatal(err)
	}
	var found []string
	for name, b := range registerFiles(t, s.Path()) {
		found = append(found, leftovers(name, b)...)
	}
	backup := filepath.Join(t.TempDir(), "backup.ascolto")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for name, b := range registerFiles(t, backup) {
		found = append(found, leftovers("backup "+name, b)...)
	}
	for _, f := range found {
		t.Error(f)
	}
	var check string
	if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check after the erasure: %q %v", check, err)
	}
	var freeAfter, pagesAfter int
	s.DB().QueryRow(`PRAGMA freelist_count`).Scan(&freeAfter)
	s.DB().QueryRow(`PRAGMA page_count`).Scan(&pagesAfter)
	if freeAfter == 0 || pagesAfter < pagesBefore {
		t.Errorf("the file was rewritten: %d pages, %d free before; %d pages, %d free after", pagesBefore, freeBefore, pagesAfter, freeAfter)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after erasure: %v %+v", err, rep.Findings)
	}
	t.Logf("%d pages, %d free before; %d pages, %d free after", pagesBefore, freeBefore, pagesAfter, freeAfter)
}

// TestErasureWhileClerksSave: other cases are edited all through the erasure (its look
// for pages to scrub holds no lock, so those saves go through meanwhile); afterwards no
// byte of the erased data is left and the register is sound.
func TestErasureWhileClerksSave(t *testing.T) {
	s, clock := privRegister(t, "2026-02-01 09:00")
	ctx := context.Background()
	her, sharing := erasureSubject(t, s, clock)
	var others []*data.Case
	for i := range 300 {
		cit := data.Citizen{Name: fmt.Sprintf("Bürger Nummer%d", i), Language: data.German}
		others = append(others, answeredCase(t, s, clock, "2026-04-01 09:00", "", cit))
	}
	clock.set("2026-06-01 10:00")
	stop := make(chan struct{})
	saved := make(chan int)
	go func() {
		n := 0
		defer func() { saved <- n }()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			desc := fmt.Sprintf("Rückruf erbeten, Nachtrag %d: %s", i, strings.Repeat("Wartezeit am Schalter. ", i%40))
			if _, err := s.Edit(ctx, others[i%len(others)].Number, data.Edit{Description: &desc}); err != nil {
				t.Error(err)
				return
			}
			n++
			time.Sleep(5 * time.Millisecond) // a clerk's pace: a writer that never pauses starves any other
		}
	}()
	_, err := s.Erase(ctx, []data.Ref{her.Number}, "Antrag Prot. 2026/120")
	close(stop)
	n := <-saved
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var found []string
	for name, b := range registerFiles(t, s.Path()) {
		found = append(found, leftovers(name, b)...)
	}
	for _, f := range found {
		t.Error(f)
	}
	var check string
	if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q %v", check, err)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep.Findings)
	}
	if _, err := s.Get(ctx, sharing.Number); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d saves during the erasure", n)
}
