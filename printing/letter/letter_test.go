package letter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

// Replies with every letter that must survive the trip through the PDF: Italian and
// German accents, ß, €, typographic quotes and Ladin's ë and ç.
const (
	replyDE = "Ab 1. Dezember öffnen wir einen zweiten Schalter; die Gebühr von 12 € entfällt. Für Rückfragen in Gröden: „Bun dé“ und ‚ç‘ – Grüße an Frau Mußner."
	replyIT = "Dal 1º dicembre apriamo un secondo sportello; la tariffa di 12 € è abolita. Perché «così» è più giusto: ìò ù à “grazie” ‘ciao’ – Val Badia: ë."
)

func complaint(t *testing.T, s *data.Store, lang data.Language, reply string) *data.Case {
	t.Helper()
	return addCase(t, s, data.NewCase{Subject: "Wartezeiten am Schalter zu lang", Assignee: "Giulia Ferrari",
		Citizen: data.Citizen{Name: "Jörg Müller", Address: "Laubengasse 5, 39100 Bozen", Language: lang}}, reply)
}

func issue(t *testing.T, s *data.Store, ref string, opt Options) (*data.Letter, []byte) {
	t.Helper()
	l, pdf, err := Issue(context.Background(), s, ref, opt)
	if err != nil {
		t.Fatal(err)
	}
	return l, pdf
}

func qpdfCheck(t *testing.T, pdf []byte) {
	t.Helper()
	needed(t, "qpdf")
	f := filepath.Join(t.TempDir(), "check.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

func TestGermanLetterReadsBack(t *testing.T) {
	s := newRegister(t)
	c := complaint(t, s, data.German, replyDE)
	l, pdf := issue(t, s, c.Number, Options{})
	keep(t, "de.pdf", pdf)
	if l.Number != c.Number+"/1" || l.Language != data.LetterGerman {
		t.Fatalf("letter %+v", l)
	}
	text := flat(pdftotext(t, pdf))
	for _, want := range []string{
		"Arbeitsvermittlungszentrum Bozen", "Centro di mediazione lavoro Bolzano", "Dantestraße 11", "Via Dante 11",
		"Jörg Müller Laubengasse 5 39100 Bozen", "Prot. Nr. " + l.Number, "Bearbeitet von Giulia Ferrari",
		"Bozen, 27. November 2026",
		"Betreff: Beschwerde Nr. BZ-2026-000001 vom 23. November 2026 – Wartezeiten am Schalter zu lang",
		"Guten Tag Jörg Müller,", "bezugnehmend auf Ihre Beschwerde vom 23. November 2026 (Nr. BZ-2026-000001)",
		flat(replyDE), "Mit freundlichen Grüßen", "Die Amtsleitung", "Information zum Datenschutz (Art. 13 der Verordnung (EU) 2016/679)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Seite") {
		t.Error("a one-page letter needs no page numbers")
	}
	qpdfCheck(t, pdf)
}

func TestItalianLetterReadsBack(t *testing.T) {
	s := newRegister(t)
	c := addCase(t, s, data.NewCase{Kind: data.KindRequest, Subject: "Certificato di disoccupazione",
		Citizen: data.Citizen{Name: "Nicolò Dalla Via", Address: "Via Museo 3\n39100 Bolzano", Language: data.Italian}},
		"Gentile signor Dalla Via,\nil certificato è pronto: può ritirarlo allo sportello n. 3.\n\nDistinti saluti")
	_, pdf := issue(t, s, c.Number, Options{})
	keep(t, "it.pdf", pdf)
	text := flat(pdftotext(t, pdf))
	for _, want := range []string{
		"Nicolò Dalla Via Via Museo 3 39100 Bolzano", "Bolzano, 27 novembre 2026",
		"Oggetto: Richiesta n. BZ-2026-000001 del 23 novembre 2026 – Certificato di disoccupazione",
		// the clerk's own salutation replaces the template's, the reply opens its
		// paragraph with a capital, the closing is not printed twice
		"Gentile signor Dalla Via, con riferimento alla Sua richiesta del 23 novembre 2026",
		"Le comunichiamo quanto segue. Il certificato è pronto: può ritirarlo allo sportello n. 3. Restiamo a disposizione",
		"Distinti saluti La direzione", "Informativa sul trattamento dei dati personali",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q in:\n%s", want, text)
		}
	}
	if strings.Count(text, "Distinti saluti") != 1 || strings.Contains(text, "Gentile Nicolò") {
		t.Errorf("salutation or closing twice:\n%s", text)
	}
	qpdfCheck(t, pdf)
}

// TestBilingualLetter: German on the left, Italian on the right, each column reading
// back whole, the subject and date in both languages.
func TestBilingualLetter(t *testing.T) {
	s := newRegister(t)
	c := complaint(t, s, data.German, replyDE)
	if _, _, err := Issue(context.Background(), s, c.Number, Options{Language: data.LetterBoth}); err == nil {
		t.Fatal("a bilingual letter without the Italian reply must be refused")
	} else if p, _ := data.AsProblem(err); p.Key != "letter.err_no_reply_language" {
		t.Fatal(err)
	}
	l, pdf := issue(t, s, c.Number, Options{Language: data.LetterBoth, Texts: map[data.Language]string{data.Italian: replyIT}})
	keep(t, "both.pdf", pdf)
	if l.Language != data.LetterBoth || l.Number != c.Number+"/1" {
		t.Fatalf("%+v", l)
	}
	all := flat(pdftotext(t, pdf))
	for _, want := range []string{"Bozen, 27. November 2026 – Bolzano, 27 novembre 2026", "Prot. Nr. / Prot. n.",
		"Betreff: Beschwerde Nr.", "Oggetto: Reclamo n. BZ-2026-000001 del 23 novembre 2026", "Die Amtsleitung La direzione"} {
		if !strings.Contains(all, want) {
			t.Errorf("lacks %q:\n%s", want, all)
		}
	}
	// the body's columns, cropped in points: x 25–104 mm and 113–190 mm, y from 120 mm
	left := flat(pdftotext(t, pdf, "-x", "70", "-y", "330", "-W", "225", "-H", "400"))
	right := flat(pdftotext(t, pdf, "-x", "318", "-y", "330", "-W", "225", "-H", "400"))
	for _, want := range []string{"Guten Tag Jörg Müller,", flat(replyDE), "Mit freundlichen Grüßen"} {
		if !strings.Contains(left, want) {
			t.Errorf("left column lacks %q:\n%s", want, left)
		}
	}
	for _, want := range []string{"Gentile Jörg Müller,", flat(replyIT), "Distinti saluti"} {
		if !strings.Contains(right, want) {
			t.Errorf("right column lacks %q:\n%s", want, right)
		}
	}
	if strings.Contains(left, "Distinti") || strings.Contains(right, "Grüßen") {
		t.Error("the columns are mixed")
	}
	qpdfCheck(t, pdf)
}

// TestLongReplyHasPageNumbers: a reply over several pages carries "Pagina 1 di 3" etc.
// and every word of it reads back in order.
func TestLongReplyHasPageNumbers(t *testing.T) {
	s := newRegister(t)
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		b.WriteString("Il punto esaminato riguarda la tariffa di 12 € e l'orario di apertura dello sportello, che è stato verificato più volte. ")
		if i%5 == 0 {
			b.WriteString("\n\n")
		}
	}
	reply := strings.TrimSpace(b.String())
	c := addCase(t, s, data.NewCase{Subject: "Orari", Citizen: data.Citizen{Name: "Anna Pichler", Language: data.Italian}}, reply)
	_, pdf := issue(t, s, c.Number, Options{})
	keep(t, "long.pdf", pdf)
	text := pdftotext(t, pdf)
	pages := strings.Count(text, "\f")
	if pages < 2 {
		t.Fatalf("a long reply must take several pages, got %d", pages)
	}
	for p := 1; p <= pages; p++ {
		if want := "Pagina " + string(rune('0'+p)) + " di " + string(rune('0'+pages)); !strings.Contains(text, want) {
			t.Errorf("lacks %q", want)
		}
	}
	// the body without the pages' furniture reads as written
	var body []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Il punto") || strings.Contains(line, "sportello") || strings.Contains(line, "12 €") || strings.HasPrefix(line, "verificato") {
			body = append(body, line)
		}
	}
	if !strings.Contains(flat(strings.Join(body, " ")), flat(reply)) {
		t.Errorf("the reply does not read back whole across pages")
	}
	qpdfCheck(t, pdf)
}

func TestSignedLetterIsArchivedAndVerifies(t *testing.T) {
	s := newRegister(t)
	c := complaint(t, s, data.German, replyDE)
	b, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "pw", Encoding: "openssl"})
	if err != nil {
		b, _ = certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "pw"})
	}
	signer, err := signature.Load(b, "pw", now)
	if err != nil {
		t.Fatal(err)
	}
	l, pdf := issue(t, s, c.Number, Options{Signer: signer, Visible: true})
	keep(t, "signed.pdf", pdf)
	if l.Signer != "Maria Rossi" {
		t.Fatalf("signer %q", l.Signer)
	}
	checkPdfsig(t, pdf, "Maria Rossi")
	text := flat(pdftotext(t, pdf))
	if !strings.Contains(text, "Maria Rossi Die Amtsleitung Digital unterzeichnetes Dokument") {
		t.Errorf("signature block: %s", text)
	}
	// archived: the same bytes, their SHA-256 in the audit trail
	got, err := s.LetterPDF(context.Background(), l)
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatal("the register must give back the very document issued", err)
	}
	sum := sha256.Sum256(pdf)
	h, _ := s.History(context.Background(), c.ID)
	last := h[len(h)-1]
	if last.Action != data.ActionLetter || !strings.Contains(last.Changes, hex.EncodeToString(sum[:])) || !strings.Contains(last.Changes, "Maria Rossi") {
		t.Fatalf("audit entry %+v", last)
	}
	qpdfCheck(t, pdf)
}

// TestSettingsTemplatesAndImages: the office's own wording, signer, place, a window on
// the right, a logo and a scanned signature all reach the letter.
func TestSettingsTemplatesAndImages(t *testing.T) {
	s := newRegister(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx *data.Tx) error {
		for k, v := range map[string]string{data.SettingSigner: "dott.ssa Elisabeth Pichler", data.SettingRoleIT: "La Direttrice",
			data.SettingRoleDE: "Die Direktorin", data.SettingWindow: "right", data.SettingContact: "Tel. 0471 418600 · bz@example.it"} {
			if err := tx.SetLetterSetting(k, v); err != nil {
				return err
			}
		}
		if err := tx.SetLetterImage(data.SettingLogo, pngOf(400, 400, color.NRGBA{150, 20, 30, 255})); err != nil {
			return err
		}
		if err := tx.SetLetterImage(data.SettingSignatureImage, pngOf(300, 100, color.NRGBA{20, 40, 120, 180})); err != nil {
			return err
		}
		return tx.SetLetterTemplate("body.complaint", data.Italian, "in merito al Suo reclamo n. {number}, presentato il {received} presso {office}:\n\n{reply}\n\n{signer} resta a disposizione.")
	})
	if err != nil {
		t.Fatal(err)
	}
	c := complaint(t, s, data.Italian, replyIT)
	_, pdf := issue(t, s, c.Number, Options{})
	keep(t, "settings.pdf", pdf)
	text := flat(pdftotext(t, pdf))
	for _, want := range []string{"in merito al Suo reclamo n. BZ-2026-000001, presentato il 23 novembre 2026 presso Centro di mediazione lavoro Bolzano:",
		"dott.ssa Elisabeth Pichler resta a disposizione.", "La Direttrice", "dott.ssa Elisabeth Pichler", "Tel. 0471 418600"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	// the address in the window on the right: x 118–190 mm, y 45–90 mm, in points
	window := flat(pdftotext(t, pdf, "-x", "330", "-y", "128", "-W", "210", "-H", "128"))
	if !strings.Contains(window, "Jörg Müller Laubengasse 5 39100 Bozen") {
		t.Errorf("right window shows %q", window)
	}
	if list, _ := pdfimages(t, pdf); strings.Count(list, "\n")-2 < 2 {
		t.Errorf("want the logo and the signature, pdfimages lists:\n%s", list)
	}
	qpdfCheck(t, pdf)
}

func pngOf(w, h int, c color.NRGBA) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := h / 4; y < 3*h/4; y++ {
		for x := w / 4; x < 3*w/4; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func TestReplyOfTheClerk(t *testing.T) {
	for _, c := range []struct{ reply, sal, text string }{
		{"Sehr geehrter Herr Müller, die Gebühr entfällt.\n\nMit freundlichen Grüßen", "Sehr geehrter Herr Müller,", "die Gebühr entfällt."},
		{"Gentile signora Rossi,\nil certificato è pronto.", "Gentile signora Rossi,", "il certificato è pronto."},
		{"Il certificato è pronto, come promesso.", "", "Il certificato è pronto, come promesso."},
		{"Gentile signora,", "", "Gentile signora,"},
	} {
		sal, text, _ := trimReply(c.reply)
		if sal != c.sal || text != c.text {
			t.Errorf("trimReply(%q) = %q, %q", c.reply, sal, text)
		}
	}
}

// TestBatchKeepsOrderAndRefusesWhole: letters made side by side are kept in the order
// asked, each with its own case's text; one refusal refuses the whole batch.
func TestBatchKeepsOrderAndRefusesWhole(t *testing.T) {
	s := newRegister(t)
	ctx := context.Background()
	var refs []string
	for i, who := range []string{"Anna Pichler", "Jörg Müller", "Nicolò Dalla Via", "Maria Rossi", "Ingrid Mair", "Luca Bianchi"} {
		lang := []data.Language{data.Italian, data.German}[i%2]
		c := addCase(t, s, data.NewCase{Subject: "Orari " + who, Citizen: data.Citizen{Name: who, Language: lang}}, "Risposta per "+who)
		refs = append(refs, c.ID)
	}
	p, err := Prepare(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var ls []*data.Letter
	var pdfs [][]byte
	err = s.Update(ctx, func(tx *data.Tx) error {
		ls, pdfs, err = p.IssueBatch(tx, refs, Options{})
		return err
	})
	if err != nil || len(ls) != len(refs) {
		t.Fatal(err)
	}
	for i, l := range ls {
		c, _ := s.Get(ctx, refs[i])
		if l.CaseID != refs[i] || !strings.Contains(flat(pdftotext(t, pdfs[i])), "Risposta per "+c.Citizen.Name) {
			t.Errorf("letter %d is not its case's", i)
		}
	}
	// a case without a reply refuses the batch: nothing of it is kept
	bare := addCase(t, s, data.NewCase{Subject: "Senza risposta", Citizen: data.Citizen{Name: "X", Language: data.Italian}}, "")
	err = s.Update(ctx, func(tx *data.Tx) error {
		_, _, err := p.IssueBatch(tx, []string{refs[0], bare.ID}, Options{})
		return err
	})
	if p, _ := data.AsProblem(err); p == nil || p.Key != "letter.err_no_reply" {
		t.Fatal(err)
	}
	if got, _ := s.Letters(ctx, refs[0]); len(got) != 1 {
		t.Fatalf("the refused batch kept %d letters for the first case", len(got)-1)
	}
}
