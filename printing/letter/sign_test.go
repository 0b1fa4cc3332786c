package letter

import (
	"context"
	"fmt"
	"testing"

	"ascolto/data"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

// checkArchived asserts that the register's copy of a letter is the document issued and
// a whole, valid signed file: one signature, ending where the file ends, by name.
func checkArchived(t *testing.T, s *data.Store, l *data.Letter, pdf []byte, name string) {
	t.Helper()
	got, err := s.LetterPDF(context.Background(), l)
	if err != nil || string(got) != string(pdf) {
		t.Fatalf("the register must keep the very document issued: %v", err)
	}
	rep, err := signature.Check(got)
	if err != nil {
		t.Fatalf("the archived letter fails the signature check: %v", err)
	}
	if n := len(rep.Signatures); n != 1 || rep.Signatures[0].ByteRange[2]+rep.Signatures[0].ByteRange[3] != int64(len(got)) {
		t.Fatalf("%d signatures, the last over %v of %d bytes", n, rep.Signatures[n-1].ByteRange, len(got))
	}
	checkPdfsig(t, got, name)
	qpdfCheck(t, got)
}

// TestStrongKeysSignTheWholeArchivedLetter: letters signed with a 4096-bit RSA key or a
// P-384 key, from files whose CA certificates are root first or joined by an unrelated
// CA, are archived whole. A 4096-bit key once had the signing library write the letter
// twice into one file, which pdfsig called "Not total document signed" and qpdf
// damaged, and that file was archived as the signed letter.
func TestStrongKeysSignTheWholeArchivedLetter(t *testing.T) {
	for i, spec := range []certtest.Spec{
		{Name: "Maria Rossi", Password: "pw", Key: "rsa4096", Encoding: "openssl", CAs: 2, RootFirst: true, ExtraCA: true},
		{Name: "Maria Rossi", Password: "pw", Key: "rsa3072", Encoding: "openssl-legacy", CAs: 1},
		{Name: "Maria Rossi", Password: "pw", Key: "p384", CAs: 1, ExtraCA: true},
	} {
		t.Run(fmt.Sprint(spec.Key, i), func(t *testing.T) {
			needed(t, "openssl")
			b, err := certtest.P12(spec)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := signature.Load(b, "pw", now)
			if err != nil {
				t.Fatal(err)
			}
			s := newRegister(t)
			for _, visible := range []bool{false, true} {
				c := complaint(t, s, data.German, replyDE)
				l, pdf := issue(t, s, c.Number, Options{Signer: signer, Visible: visible})
				if l.Signer != "Maria Rossi" {
					t.Fatalf("signer %q", l.Signer)
				}
				checkArchived(t, s, l, pdf, "Maria Rossi")
			}
		})
	}
}

// TestBatchSignedWithRSA4096: letters signed side by side in a batch are each whole.
func TestBatchSignedWithRSA4096(t *testing.T) {
	b, err := certtest.P12(certtest.Spec{Name: "Ufficio BZ", Password: "pw", Key: "rsa4096", CAs: 1})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.Load(b, "pw", now)
	if err != nil {
		t.Fatal(err)
	}
	s := newRegister(t)
	ctx := context.Background()
	var refs []string
	for _, who := range []string{"Anna Pichler", "Jörg Müller", "Nicolò Dalla Via"} {
		refs = append(refs, addCase(t, s, data.NewCase{Subject: "Orari", Citizen: data.Citizen{Name: who, Language: data.Italian}}, "Risposta per "+who).ID)
	}
	p, err := Prepare(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var ls []*data.Letter
	var pdfs [][]byte
	err = s.Update(ctx, func(tx *data.Tx) error {
		ls, pdfs, err = p.IssueBatch(tx, refs, Options{Signer: signer})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		checkArchived(t, s, l, pdfs[i], "Ufficio BZ")
	}
}
