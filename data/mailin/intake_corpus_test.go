package mailin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailin"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// TestCorpusThroughIntake takes every mail of the corpus through the intake the window
// and ascoltoctl use, into one real register: each is registered with the right citizen,
// subject, text and files (SHA-256 equal, the original message kept byte for byte), or
// refused with the reader's sentence; taken in a second time it gives the same case.
func TestCorpusThroughIntake(t *testing.T) {
	ctx := context.Background()
	office := data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"}
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), office,
		data.Options{Clock: fixedClock{time.Date(2026, 11, 30, 10, 0, 0, 0, data.Rome)}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var registered, refused, receipts, pecs int
	numbers := map[string]string{}
	for _, m := range mailin.CorpusMails() {
		res, _, err := intake.TakeIn(ctx, s, m.Name+".eml", m.Raw, intake.Options{})
		switch {
		case m.Refused == "?": // the reader's own fixtures: here only that nothing breaks
			if err == nil {
				registered++
			} else if _, ok := data.AsProblem(err); !ok {
				t.Errorf("%s: refused without a sentence: %v", m.Name, err)
			}
			continue
		case m.Refused != "":
			if p, ok := data.AsProblem(err); !ok || p.Key != m.Refused {
				t.Errorf("%s: want refusal %s, got %v", m.Name, m.Refused, err)
			}
			refused++
			continue
		case m.Receipt != "":
			if p, ok := data.AsProblem(err); !ok || !strings.Contains(p.Key, "receipt") {
				t.Errorf("%s: a PEC receipt must be refused as a receipt, got %v", m.Name, err)
			}
			receipts++
			continue
		}
		if err != nil {
			t.Errorf("%s: refused: %v", m.Name, err)
			continue
		}
		c := res.Case
		if other, ok := numbers[c.Number]; ok {
			t.Errorf("%s: got the number of %s", m.Name, other)
		}
		numbers[c.Number] = m.Name
		if c.Citizen.Name != m.FromName {
			t.Errorf("%s: citizen %q, want %q", m.Name, c.Citizen.Name, m.FromName)
		}
		if c.Citizen.Email != m.FromAddr && c.Citizen.Email != "" {
			t.Errorf("%s: address %q, want %q", m.Name, c.Citizen.Email, m.FromAddr)
		}
		if m.Subject != "" && c.Subject != m.Subject {
			t.Errorf("%s: subject %q, want %q", m.Name, c.Subject, m.Subject)
		}
		if !strings.Contains(c.Description, m.Text) {
			t.Errorf("%s: the text lacks %q", m.Name, m.Text)
		}
		if m.PEC != (c.Channel == data.ChannelPEC) {
			t.Errorf("%s: channel %s (PEC: %v)", m.Name, c.Channel, m.PEC)
		}
		kept, err := s.Attachments(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]int{}
		for _, a := range kept {
			have[a.SHA256]++
		}
		want := [][]byte{m.Raw}
		want = append(want, m.Files...)
		for i, f := range want {
			sum := sha256.Sum256(f)
			h := hex.EncodeToString(sum[:])
			if have[h] == 0 {
				what := fmt.Sprintf("file %d", i)
				if i == 0 {
					what = "the original message"
				}
				t.Errorf("%s: %s is not kept byte for byte", m.Name, what)
				continue
			}
			have[h]--
		}
		again, _, err := intake.TakeIn(ctx, s, "copy of "+m.Name+".eml", m.Raw, intake.Options{})
		if err != nil || !again.Duplicate || again.Case.Number != c.Number {
			t.Errorf("%s: taken in again: %+v, %v", m.Name, again, err)
		}
		registered++
		if m.PEC {
			pecs++
		}
	}
	if r, err := s.Verify(ctx); err != nil || !r.OK() {
		t.Errorf("verify after the corpus: %v %+v", err, r)
	}
	fmt.Printf("corpus through intake: %d registered (%d of them PEC), %d refused, %d receipts refused\n", registered, pecs, refused, receipts)
}
