package data

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestVerifyBlobsQueryOnce: whether a file is an emptied letter is asked once for the
// whole register, not once per file (each time reading every letter: hours at a million).
func TestVerifyBlobsQueryOnce(t *testing.T) {
	s, _ := testStore(t, "2026-11-02 09:00")
	rows, err := s.db.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+verifyBlobsQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) == 0 || strings.Contains(strings.Join(plan, "\n"), "CORRELATED") {
		t.Fatalf("plan: %q", plan)
	}
}

// changesOf is what encoding/json reads from an entry's changes, sorted by field.
func changesOf(changes string) ([]fieldChange, bool) {
	var m map[string][2]string
	if json.Unmarshal([]byte(changes), &m) != nil {
		return nil, false
	}
	var out []fieldChange
	for f, v := range m {
		out = append(out, fieldChange{f, v[1]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].field < out[j].field })
	return out, true
}

func sameChanges(t *testing.T, changes string) {
	t.Helper()
	want, wantOK := changesOf(changes)
	got, ok := readChanges(changes, nil)
	sort.Slice(got, func(i, j int) bool { return got[i].field < got[j].field })
	if ok != wantOK || ok && fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%q: read %v %v, encoding/json %v %v", changes, got, ok, want, wantOK)
	}
}

// TestReadChanges: what the write path writes is read in place; everything else reads
// as encoding/json reads it.
func TestReadChanges(t *testing.T) {
	written := encodeChanges([]FieldChange{{Field: "number", New: "BZ-2026-000017"}, {Field: "status", Old: "received", New: "answered"},
		{Field: "subject", Old: "Müller", New: "Müller € 5"}})
	if got, ok := readPlainChanges(written, nil); !ok || len(got) != 3 || got[2] != (fieldChange{"subject", "Müller € 5"}) {
		t.Fatalf("%s: %v %v", written, got, ok)
	}
	for _, c := range []string{
		written, `{}`, ` { } `, `{"a":["x","y"]}`, "{\"a\" : [ \"x\" , \"y\" ] }\n",
		`{"a":["x","\"y\""]}`, `{"a":["x","<b>"]}`, `{"a":["x","\u00e4"]}`, "{\"a\":[\"x\",\"\xff\"]}",
		`{"a":["x","y"],"a":["y","z"]}`, `{"a":["x"]}`, `{"a":["x","y","z"]}`, `{"a":["x",1]}`, `{"a":null}`,
		`null`, `{"a":["x","y"]} x`, `{"a":["x","y"],}`, `{"a":["x","y"]`, `[`, ``, "{\"a\":[\"x\",\"\t\"]}",
	} {
		sameChanges(t, c)
	}
}

// FuzzReadChanges: the replay reads an entry's changes exactly as encoding/json does.
func FuzzReadChanges(f *testing.F) {
	f.Add(`{"number":["","BZ-2026-000017"],"status":["","received"],"attachment":["","a|b.pdf|3|application/pdf|00"]}`)
	f.Add(`{"reply_text":["","Gentile signora \"Rossi\"\n"],"letter":["","x|BZ-2026-000001/1|it|10|ab|"]}`)
	f.Add(`{"a":["x","y"],"a":["y","z"]}`)
	f.Add(`{"a":["x",1]}`)
	f.Fuzz(func(t *testing.T, changes string) { sameChanges(t, changes) })
}

// BenchmarkVerify checks a register of 2,000 cases worked on as clerks do (assigned,
// a file attached, answered with a letter, one in ten anonymised), or the register
// named by ASCOLTO_VERIFY_DB (e.g. one made by ascoltoctl demo --count 100000).
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("ASCOLTO_VERIFY_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "register.ascolto")
		clock := &stepClock{t: rome("2026-11-02 09:00")}
		s, err := Create(path, bz, Options{Clock: clock, Actor: "test"})
		if err != nil {
			b.Fatal(err)
		}
		const cases, batch = 2000, 100
		for i := 0; i < cases; i += batch {
			err := s.Update(ctx, func(tx *Tx) error {
				for j := i; j < i+batch; j++ {
					who := fmt.Sprintf("Cittadino %d", j)
					c, err := tx.Create(NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Richiesta " + who, Citizen: Citizen{Name: who}})
					if err != nil {
						return err
					}
					if _, err := tx.Assign(c.Number, "Paola"); err != nil {
						return err
					}
					if _, err := tx.Attach(c.Number, "domanda.txt", "text/plain", []byte("domanda di "+who)); err != nil {
						return err
					}
					if _, err := tx.IssueLetter(c.Number, LetterRequest{Reply: "Gentile " + who + ", la pratica è accolta.", ReplyLanguage: Italian,
						Render: fakeLetterPDF(who)}); err != nil {
						return err
					}
					if j%10 == 0 {
						if _, err := tx.Anonymise(c.Number, "erasure", "richiesta"); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for b.Loop() {
		r, err := s.Verify(ctx)
		if err != nil || !r.OK() {
			b.Fatalf("%v %v", err, findingKeys(r))
		}
	}
}

// TestVerifyAfterIndexMerge: while and after the register merges its search index (as it
// does while idle), SQLite's integrity check finds the index intact, also on connections
// that read it before.
func TestVerifyAfterIndexMerge(t *testing.T) {
	s, _ := testStore(t, "2026-11-02 09:00")
	ctx := context.Background()
	// One transaction per few cases: a segment of the index each, for the merge to join.
	for i := 0; i < 400; i++ {
		err := s.Update(ctx, func(tx *Tx) error {
			for j := 0; j < 5; j++ {
				who := fmt.Sprintf("Cittadino %d %d", i, j)
				if _, err := tx.Create(NewCase{Kind: KindRequest, Channel: ChannelCounter, Subject: "Richiesta " + who + " parole diverse " + who, Citizen: Citizen{Name: who}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	merged := make(chan int)
	go func() {
		steps := 0
		for ; s.mergeStep(8) && steps < 1000; steps++ {
		}
		merged <- steps
	}()
	var found []string
	for range 40 {
		damage, err := s.integrityCheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, damage...)
	}
	if steps := <-merged; steps == 0 || len(found) > 0 {
		t.Fatalf("%d merge steps, found %d: %.3q", steps, len(found), found)
	}
	if rep, err := s.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("%v %v", err, findingKeys(rep))
	}
}
