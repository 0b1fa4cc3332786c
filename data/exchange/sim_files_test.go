package exchange

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"ascolto/data"
)

// The simulation with files (sim_test.go): clerks attach files (some with the same
// bytes in several cases, so that several offices publish one hash), issue letters and
// erase citizens; besides what the fake share does to every file (delays, copies cut
// short or with a flipped bit for a while, names listed twice), files of the folder are
// cut short, changed or deleted for good. Once the offices are quiet, every office that
// holds a case holds the same files (the same hashes), each arrived and whole; after an
// erasure no office's register holds the files of the case any more, and the folder
// holds no copy of them.

type simFiles struct {
	cases    map[string][]string // sha256 → the cases it was added to
	contents [][]byte            // contents added, some added again
	attached int
	letters  int
	erased   int
	damaged  int
}

func (m *sim) simFiles() *simFiles {
	if m.files == nil {
		m.files = &simFiles{cases: map[string][]string{}}
	}
	return m.files
}

// fileClerk attaches a file or issues a letter.
func (m *sim) fileClerk(o *simOffice) {
	ctx := context.Background()
	sf := m.simFiles()
	ids := caseIDs(o.s)
	if len(ids) == 0 {
		return
	}
	ref := ids[m.rnd.Intn(len(ids))]
	var what, sha string
	err := o.s.Update(ctx, func(tx *data.Tx) error {
		switch k := m.rnd.Intn(10); {
		case k == 2:
			// A citizen's erasure while the other offices may still be editing the
			// case: every office must end with it erased, whatever the order the
			// operations reach it in.
			what = "erase"
			_, err := tx.Anonymise(ref, data.ReasonErasure, "sim")
			return err
		case k < 2:
			what = "letter"
			_, l, err := tx.DraftLetter(ref, data.LetterRequest{})
			if err != nil {
				return err
			}
			pdf := append([]byte("%PDF-1.4 letter "+o.code+" "), randomBytes(m.rnd, 200+m.rnd.Intn(2000))...)
			if err := tx.KeepLetter(l, pdf); err != nil {
				return err
			}
			sha = shaOf(pdf)
			return nil
		default:
			what = "attach"
			var content []byte
			if len(sf.contents) > 0 && m.rnd.Intn(4) == 0 {
				content = sf.contents[m.rnd.Intn(len(sf.contents))] // the same bytes again
			} else {
				content = append([]byte("%PDF-1.4 scan "), randomBytes(m.rnd, m.rnd.Intn(8<<10))...)
			}
			a, err := tx.Attach(ref, "Scan "+strconv.Itoa(m.rnd.Intn(100))+".pdf", "application/pdf", content)
			if err != nil {
				return err
			}
			sf.contents = append(sf.contents, content)
			sha = a.SHA256
			return nil
		}
	})
	if err != nil {
		if p, ok := data.AsProblem(err); ok && !strings.HasPrefix(p.Key, "err.write") && p.Key != "err.busy" && p.Key != "err.stale" {
			return // refused by the rules (a letter of a case without a reply)
		}
		m.t.Fatalf("%s %s %s: %v", o.code, what, ref, err)
	}
	switch what {
	case "erase":
		sf.erased++
	case "letter":
		sf.letters++
	default:
		sf.attached++
	}
	if sha != "" {
		sf.cases[sha] = append(sf.cases[sha], ref)
	}
	m.tracef("%s %s %s %.8s", o.code, what, short(ref), sha)
}

// fileFaults damages the files of the folder for good: cut short, one bit changed, or
// deleted. Only their office can make them whole again (it reads its files back).
func (m *sim) fileFaults() {
	if m.rnd.Intn(3) != 0 {
		return
	}
	var blobs []string
	for _, p := range m.share.names() {
		if strings.Contains(p, "/"+FilesDir+"/") && !strings.HasPrefix(path.Base(p), TempPrefix) {
			blobs = append(blobs, p)
		}
	}
	if len(blobs) == 0 {
		return
	}
	p := blobs[m.rnd.Intn(len(blobs))]
	b := m.share.content(p)
	var what string
	switch m.rnd.Intn(3) {
	case 0:
		what = "cut"
		m.share.overwrite(p, b[:len(b)/2])
	case 1:
		what = "flipped"
		if len(b) == 0 {
			return
		}
		c := append([]byte(nil), b...)
		c[m.rnd.Intn(len(c))] ^= 1 << m.rnd.Intn(8)
		m.share.overwrite(p, c)
	default:
		what = "deleted"
		m.share.drop(p)
	}
	m.simFiles().damaged++
	m.tracef("file %s %s", what, p)
}

// filesState sums up an office's files for the quiet test: what it expects, what it
// published, what it holds.
func filesState(s *data.Store) string {
	var a, p, b int
	db := s.DB()
	db.QueryRow(`SELECT count(*) FROM file_arrivals`).Scan(&a)
	db.QueryRow(`SELECT count(*) FROM files_published`).Scan(&p)
	db.QueryRow(`SELECT count(*) FROM blobs`).Scan(&b)
	return fmt.Sprintf("files %d/%d/%d", a, p, b)
}

// checkFiles: every office lists the same files for every case, each arrived and whole
// (or, in an office that joined later, not taken for a case closed before it came);
// the files of erased cases are nowhere, neither in a register nor in the folder.
func (m *sim) checkFiles(ctx context.Context) {
	t := m.t
	sf := m.simFiles()
	ref := m.offices[0]
	lists := func(o *simOffice) map[string]string {
		out := map[string]string{}
		for _, id := range caseIDs(o.s) {
			fs, err := o.s.CaseFiles(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var line []string
			for _, f := range fs {
				line = append(line, f.Kind+" "+f.ID+" "+f.SHA256+" "+strconv.FormatInt(f.Size, 10))
				switch f.State {
				case data.FileArriving:
					t.Errorf("%s: file %s of case %s (%s, from %s) has not arrived: %s after %d looks", o.code, f.SHA256[:12], short(id), f.Kind, f.Origin, f.Reason, f.Passes)
				case data.FileArrived:
					if _, err := o.s.CaseFileContent(ctx, f.SHA256); err != nil {
						t.Errorf("%s: file %s of case %s listed but not whole: %v", o.code, f.SHA256[:12], short(id), err)
					}
				}
			}
			sort.Strings(line)
			out[id] = strings.Join(line, "\n")
		}
		return out
	}
	want := lists(ref)
	for _, o := range m.offices[1:] {
		got := lists(o)
		for id, w := range want {
			if g, ok := got[id]; ok && g != w {
				t.Errorf("files of case %s: %s\n%s\n%s\n%s", short(id), ref.code, w, o.code, g)
			}
		}
	}
	// The files only erased cases had.
	gone := map[string]bool{}
	for sha, cases := range sf.cases {
		all := true
		for _, id := range cases {
			reason, _, err := ref.s.Anonymised(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			all = all && reason != ""
		}
		if all {
			gone[sha] = true
		}
	}
	for _, o := range m.offices {
		for sha := range gone {
			var n int
			o.s.DB().QueryRow(`SELECT count(*) FROM blobs WHERE sha256 = ? AND length(content) > 0`, sha).Scan(&n)
			if n > 0 {
				t.Errorf("%s still holds the file %s of an erased case", o.code, sha[:12])
			}
		}
	}
	for _, p := range m.share.names() {
		if gone[path.Base(p)] {
			t.Errorf("the folder still holds %s, a file of an erased case", p)
		}
	}
	m.tracef("files: %d attached, %d letters, %d erasures, %d damaged in the folder, %d gone", sf.attached, sf.letters, sf.erased, sf.damaged, len(gone))
}

// overwrite replaces a file's content as someone writing over it would: every office
// sees the new bytes at once.
func (s *fakeShare) overwrite(p string, b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[clean(p)]
	if !ok {
		return
	}
	s.writeN++
	f.versions = append(f.versions, fakeVersion{data: append([]byte(nil), b...), mod: s.now().Add(time.Duration(s.writeN)), step: s.step})
}

// drop deletes a file as someone else would (no office sees it any more).
func (s *fakeShare) drop(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, clean(p))
}

// eraseAtEnd has citizens erased in random offices (up to two answered cases with
// files) once the offices are quiet, and the offices synchronise until quiet again: the
// registers must agree and the files of the erased cases be gone from every register
// and from the folder.
//
// Erasures are made here too, besides those among the clerks' work (fileClerk), so
// that every run has erased cases with files before the newcomer, which must then take
// them from the folder.
func (m *sim) eraseAtEnd(ctx context.Context) {
	t := m.t
	ref := m.offices[0]
	var candidates []string
	for _, id := range caseIDs(ref.s) {
		c, err := ref.s.Get(ctx, id)
		if err != nil || c.AnsweredAt == nil {
			continue
		}
		if reason, _, _ := ref.s.Anonymised(ctx, id); reason != "" {
			continue
		}
		if fs, _ := ref.s.CaseFiles(ctx, id); len(fs) > 0 {
			candidates = append(candidates, id)
		}
	}
	m.rnd.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	erased := 0
	for _, id := range candidates[:min(2, len(candidates))] {
		o := m.offices[m.rnd.Intn(len(m.offices))]
		err := o.s.Update(ctx, func(tx *data.Tx) error {
			_, err := tx.Anonymise(id, data.ReasonErasure, "sim")
			return err
		})
		m.tracef("%s erase %s at the end: %v", o.code, short(id), err)
		if err == nil {
			erased++
		}
	}
	if erased == 0 {
		return
	}
	m.simFiles().erased += erased
	// The erasing office's clock may be days ahead of another's: its operation waits
	// there until that clock is within maxAhead of it (as in runSim).
	m.time.add(2*(3*24*time.Hour+time.Hour) - maxAhead + time.Hour)
	prev := ""
	quiet := false
	for round := 0; round < 20 && !quiet; round++ {
		m.time.add(time.Minute)
		for _, o := range m.offices {
			m.sync(o, true)
		}
		state := m.fingerprint(ctx)
		quiet = state == prev && m.allEqual(ctx)
		prev = state
	}
	if !quiet {
		t.Errorf("no quiet after the erasures")
		m.check(ctx) // says where the registers differ
		return
	}
	// Quiet means every register equal (CanonicalHash, high-water marks); the whole
	// check (verify of every register) ran before the erasures, and the newcomer
	// compares with them after.
	m.checkFiles(ctx)
}
