package letter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

// benchRegister makes n answered cases, in Italian and German, with replies of a few
// paragraphs as clerks write them.
func benchRegister(b *testing.B, n int) (*data.Store, []string) {
	b.Helper()
	s := newRegister(b)
	var refs []string
	err := s.Update(context.Background(), func(tx *data.Tx) error {
		for i := 0; i < n; i++ {
			lang, name, reply := data.German, "Jörg Müller", replyDE+"\n\n"+replyDE
			if i%2 == 0 {
				lang, name, reply = data.Italian, "Nicolò Dalla Via", replyIT+"\n\n"+replyIT
			}
			c, err := tx.Create(data.NewCase{Kind: data.Kinds[i%len(data.Kinds)], Channel: data.ChannelCounter,
				ReceivedAt: now.Add(-time.Duration(n-i) * time.Minute), Subject: "Orari di apertura dello sportello",
				Citizen: data.Citizen{Name: name, Address: "Via Museo 3, 39100 Bolzano", Language: lang}})
			if err != nil {
				return err
			}
			if _, err := tx.Reply(c.Number, reply, "", now.Add(-time.Second)); err != nil {
				return err
			}
			refs = append(refs, c.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s, refs
}

func benchSigner(b *testing.B) *signature.Signer {
	p12, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "pw", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		b.Fatal(err)
	}
	s, err := signature.Load(p12, "pw", now)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkLetter is one letter as a clerk issues it: the settings read, the PDF made
// and kept, the audit entry written, in its own transaction.
func BenchmarkLetter(b *testing.B) {
	s, refs := benchRegister(b, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Issue(context.Background(), s, refs[0], Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLetterSigned is BenchmarkLetter with a digital signature (RSA 2048, SHA-256).
func BenchmarkLetterSigned(b *testing.B) {
	s, refs := benchRegister(b, 1)
	signer := benchSigner(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Issue(context.Background(), s, refs[0], Options{Signer: signer}); err != nil {
			b.Fatal(err)
		}
	}
}

// batch issues a letter for each case, a hundred to a transaction, as `ascoltoctl letter
// batch` does, and reports the time per letter.
func batch(b *testing.B, signer *signature.Signer) {
	const n = 1000
	s, refs := benchRegister(b, n)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		p, err := Prepare(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		for at := 0; at < n; at += 100 {
			err := s.Update(context.Background(), func(t *data.Tx) error {
				_, _, err := p.IssueBatch(t, refs[at:at+100], Options{Signer: signer})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	per := time.Since(start) / time.Duration(b.N*n)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/letter")
}

// BenchmarkBatch1000 is a batch of 1,000 unsigned letters (target ≤ 5 ms each).
func BenchmarkBatch1000(b *testing.B) { batch(b, nil) }

// BenchmarkBatch1000Signed is a batch of 1,000 signed letters (target ≤ 15 ms each).
func BenchmarkBatch1000Signed(b *testing.B) { batch(b, benchSigner(b)) }

// BenchmarkRender is the PDF alone, without the register.
func BenchmarkRender(b *testing.B) {
	s, refs := benchRegister(b, 1)
	p, _ := Prepare(context.Background(), s)
	c, _ := s.Get(context.Background(), refs[0])
	l := &data.Letter{Number: c.Number + "/1", Language: data.LetterItalian, IssuedAt: now}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Render(c, l, Options{}); err != nil {
			b.Fatal(fmt.Sprint(err))
		}
	}
}
