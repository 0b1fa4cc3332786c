package letter

import (
	"context"
	"strings"
	"testing"

	"ascolto/data"
)

// TestClerksClosingIsTheOnlyOne: a reply that ends with a closing formula gives the
// letter that closing as written, once, and the template's is not added; a reply
// without one gets the template's. Read back from the PDF with pdftotext.
func TestClerksClosingIsTheOnlyOne(t *testing.T) {
	s := newRegister(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, reply   string
		lang          data.Language
		want, notWant string
	}{
		{"italian own closing", "il certificato è pronto allo sportello.\n\nCordiali saluti", data.Italian, "Cordiali saluti", "Distinti saluti"},
		{"italian template closing typed", "il certificato è pronto allo sportello.\n\nDistinti saluti.", data.Italian, "Distinti saluti.", ""},
		{"italian closing with comma and name", "il certificato è pronto.\n\nCon i migliori saluti,\nAnna Bianchi", data.Italian, "Con i migliori saluti, Anna Bianchi", "Distinti saluti"},
		{"german own closing", "die Gebühr entfällt.\n\nFreundliche Grüße", data.German, "Freundliche Grüße", "Mit freundlichen Grüßen"},
		{"german template closing typed", "die Gebühr entfällt.\nMit freundlichen Grüßen", data.German, "Mit freundlichen Grüßen", ""},
		{"no closing", "il certificato è pronto allo sportello.", data.Italian, "Distinti saluti", "Cordiali saluti"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs := addCase(t, s, data.NewCase{Subject: "Certificato", Citizen: data.Citizen{Name: "Maria Rossi", Language: c.lang}}, c.reply)
			_, pdf, err := Issue(ctx, s, cs.Number, Options{})
			if err != nil {
				t.Fatal(err)
			}
			text := flat(pdftotext(t, pdf))
			if n := strings.Count(text, c.want); n != 1 {
				t.Errorf("%q appears %d times in %q", c.want, n, text)
			}
			if c.notWant != "" && strings.Contains(text, c.notWant) {
				t.Errorf("the template's closing %q was added: %q", c.notWant, text)
			}
			// the closing comes after the reply, not inside the body's template text
			if i, j := strings.Index(text, c.want), strings.LastIndex(text, "pront"); c.lang == data.Italian && i < j {
				t.Errorf("closing before the reply: %q", text)
			}
		})
	}
}

// TestSignerNameUnderTheClosing: the register's signer (Settings, ascoltoctl letter
// settings --signer) is the name under the closing; without it the workstation's
// default; without either only the role.
func TestSignerNameUnderTheClosing(t *testing.T) {
	s := newRegister(t)
	ctx := context.Background()
	issue := func(opt Options) string {
		t.Helper()
		c := addCase(t, s, data.NewCase{Subject: "Orari", Citizen: data.Citizen{Name: "Maria Rossi", Language: data.Italian}}, "Gli orari sono cambiati.")
		_, pdf, err := Issue(ctx, s, c.Number, opt)
		if err != nil {
			t.Fatal(err)
		}
		return flat(pdftotext(t, pdf))
	}
	if text := issue(Options{}); !strings.Contains(text, "Distinti saluti La direzione") || strings.Contains(text, "Giulia Verdi") {
		t.Fatalf("no signer: %q", text)
	}
	if text := issue(Options{DefaultSigner: "Giulia Verdi"}); !strings.Contains(text, "Distinti saluti La direzione Giulia Verdi") {
		t.Errorf("the workstation's signer is missing under the closing: %q", text)
	}
	if err := s.Update(ctx, func(tx *data.Tx) error { return tx.SetLetterSetting(data.SettingSigner, "Paolo Neri") }); err != nil {
		t.Fatal(err)
	}
	text := issue(Options{DefaultSigner: "Giulia Verdi"})
	if !strings.Contains(text, "Distinti saluti La direzione Paolo Neri") || strings.Contains(text, "Giulia Verdi") {
		t.Errorf("the register's signer is not the one under the closing: %q", text)
	}
}

// FuzzTrimReply: whatever a clerk types, the reply is split without panicking and
// without a word being rewritten: salutation, text and closing are the reply's own
// pieces, in order, and a reply with words never loses them all.
func FuzzTrimReply(f *testing.F) {
	for _, seed := range []string{
		"Sehr geehrter Herr Müller, die Gebühr entfällt.\n\nMit freundlichen Grüßen",
		"Gentile signora Rossi,\nil certificato è pronto.\n\nCordiali saluti,\nAnna Bianchi\nUfficio anagrafe",
		"Il certificato è pronto.\r\n\r\nDistinti saluti.",
		"Cordiali saluti",
		"Gentile signora,",
		"die Unterlagen liegen bereit.\nFreundliche Grüße!\n",
		"Con i migliori saluti\n\n\n",
		"\n\nMit freundlichen Grüssen\nMaria Huber\nAmt für Jugendarbeit\nBozen",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		sal, text, closing := trimReply(reply)
		norm := strings.ReplaceAll(reply, "\r\n", "\n")
		if strings.TrimSpace(reply) != "" && text == "" {
			t.Fatalf("the reply %q lost its text", reply)
		}
		at := 0
		for _, part := range []string{sal, text, closing} {
			if part == "" {
				continue
			}
			i := strings.Index(norm[at:], part)
			if i < 0 && part == strings.TrimSpace(reply) {
				continue // a reply kept whole, as typed
			}
			if i < 0 {
				t.Fatalf("%q is not a piece of %q (salutation %q, text %q, closing %q)", part, reply, sal, text, closing)
			}
			at += i + len(part)
		}
	})
}
