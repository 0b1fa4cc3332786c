package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/translations"
)

func count(t testing.TB, s *data.Store) int {
	t.Helper()
	n, err := s.Count(context.Background(), data.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The counter: Ctrl+N, a letter picks the kind, Tab through the fields typing, Ctrl+S.
// The case is in the register with the counter's defaults, the form says its number
// and is empty for the next citizen, and the register shows the new case.
func TestIntakeCreatesACase(t *testing.T) {
	s := newRegister(t, 2)
	sh, q, w := shellFor(t, s, "it", "")
	press(t, w, fyne.KeyN)
	in := sh.intake
	if w.Canvas().Focused() != fyne.Focusable(in.kind) {
		t.Fatalf("Ctrl+N put the keyboard on %T, want the kind", w.Canvas().Focused())
	}
	test.Type(in.kind, "r") // from richiesta on to the next r: reclamo
	if in.kind.Value() != string(data.KindComplaint) {
		t.Fatalf("typing r chose %q", in.kind.Value())
	}
	typeInto(w, in.subject, "Orari dello sportello")
	typeInto(w, in.description, "Lo sportello chiude prima dell'orario esposto.")
	typeInto(w, in.name, "Nicolò Bernardi")
	typeInto(w, in.email, "nicolo.bernardi@example.it")
	press(t, w, fyne.KeyS)
	q.until(t, "the case to be saved", func() bool { return count(t, s) == 3 && in.note.Visible() })

	c := mustGet(t, s, "BZ-2026-000003")
	if c.Kind != data.KindComplaint || c.Channel != data.ChannelCounter || c.Office != "BZ" || c.Subject != "Orari dello sportello" ||
		c.Citizen.Name != "Nicolò Bernardi" || c.Citizen.Language != data.Italian || !c.ReceivedAt.Equal(now.Truncate(time.Minute)) {
		t.Errorf("saved case: %+v", c)
	}
	want := translations.T("it", "intake.saved", "number", c.Number, "due", formatDay(c.DueDate, "it"))
	if in.note.Text != want {
		t.Errorf("note %q, want %q", in.note.Text, want)
	}
	if in.subject.Text != "" || in.name.Text != "" || in.kind.Value() != string(data.KindRequest) {
		t.Errorf("the form was not emptied for the next citizen: %+v", in.state())
	}
	if found, _ := sh.e.drafts.Load(intakeDraftName, &intakeDraft{}); found {
		t.Error("the draft of a saved case is still there")
	}
	q.until(t, "the register to show it", func() bool { return sh.register.counted && sh.register.total == 3 })
}

// An invalid e-mail address and an empty subject: the register's translated message
// stands next to the field, the keyboard goes there, nothing is saved and nothing
// typed is lost.
func TestIntakeInvalidFieldShowsTheTranslatedError(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			s := newRegister(t, 0)
			sh, q, w := shellFor(t, s, lang, "")
			sh.ShowIntake()
			in := sh.intake
			typeInto(w, in.subject, "Wartezeiten")
			typeInto(w, in.name, "Jörg Müller")
			typeInto(w, in.email, "joerg@")
			press(t, w, fyne.KeyS)
			q.until(t, "the refusal", func() bool { return in.errs["email"].Visible() })
			want := translations.T(lang, "err.email", "email", "joerg@")
			if in.errs["email"].Text != want {
				t.Errorf("email error %q, want %q", in.errs["email"].Text, want)
			}
			if !reads(w.Canvas().Content(), want) {
				t.Errorf("the message is not on screen")
			}
			if w.Canvas().Focused() != fyne.Focusable(in.email) {
				t.Errorf("the keyboard is on %T, not on the e-mail", w.Canvas().Focused())
			}
			if count(t, s) != 0 {
				t.Error("a refused case was saved")
			}
			if in.subject.Text != "Wartezeiten" || in.name.Text != "Jörg Müller" || in.email.Text != "joerg@" {
				t.Errorf("typed input lost: %+v", in.state())
			}

			in.email.SetText("")
			in.subject.SetText("   ")
			press(t, w, fyne.KeyS)
			q.until(t, "the refusal", func() bool { return in.errs["subject"].Visible() })
			if in.errs["subject"].Text != translations.T(lang, "err.subject_empty") || in.errs["email"].Visible() {
				t.Errorf("subject error %q (e-mail error still shown: %v)", in.errs["subject"].Text, in.errs["email"].Visible())
			}
			in.received.SetText("31/02/2026")
			press(t, w, fyne.KeyS)
			if !in.errs["received"].Visible() || !strings.Contains(in.errs["received"].Text, "31/02/2026") {
				t.Errorf("a date that does not exist: %q", in.errs["received"].Text)
			}
			if count(t, s) != 0 {
				t.Error("a refused case was saved")
			}
		})
	}
}

// What is typed survives a crash: the first window types and dies without closing (the
// draft was written by the autosaver, no flush); a new window on the same register and
// drafts folder opens with the form as it was. Esc in between keeps it too.
func TestIntakeDraftSurvivesACrash(t *testing.T) {
	s := newRegister(t, 0)
	dir := t.TempDir()
	sh, _, w := shellFor(t, s, "de", dir)
	press(t, w, fyne.KeyN)
	in := sh.intake
	test.Type(in.kind, "b") // Beschwerde
	typeInto(w, in.subject, "Wartezeiten am Schalter")
	typeInto(w, in.name, "Jörg Müller")
	key(w, fyne.KeyEscape)
	if sh.tabs.Selected() != sh.registerTab {
		t.Error("Esc did not go back to the register")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var d intakeDraft
		if ok, _ := sh.e.drafts.Load(intakeDraftName, &d); ok && d.Name == "Jörg Müller" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the draft was never written")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The crash: the first window is abandoned as it is. A new one starts.
	again, _, w2 := shellFor(t, s, "de", dir)
	got := again.intake.state()
	if got.Kind != string(data.KindComplaint) || got.Subject != "Wartezeiten am Schalter" || got.Name != "Jörg Müller" {
		t.Fatalf("the new window's form: %+v", got)
	}
	if !again.intake.Restored() || again.intakeTab.Text != "Neuer Vorgang (Entwurf)" || !again.intake.note.Visible() {
		t.Errorf("the restored draft is not pointed out (tab %q)", again.intakeTab.Text)
	}
	_ = w2
}

// When the citizen brought a similar item in the last 30 days, the form says so and
// offers to open it.
func TestIntakeShowsASimilarItem(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := shellFor(t, s, "it", "")
	sh.ShowIntake()
	in := sh.intake
	done := false
	in.similarDone = func() { done = true }
	test.Type(in.kind, "rr")
	typeInto(w, in.name, "jorg muller")
	q.until(t, "the look for similar items", func() bool { return done && in.similar.Visible() })
	if !strings.Contains(in.similarText.Text, "BZ-2026-000002") && !strings.Contains(in.similarText.Text, "BZ-2026-000001") {
		t.Errorf("hint %q", in.similarText.Text)
	}
	if !strings.Contains(in.similarText.Text, "Jörg Müller ha presentato una pratica simile") {
		t.Errorf("hint %q", in.similarText.Text)
	}
	test.Tap(in.similarOpen)
	q.until(t, "the case to open", func() bool { return len(sh.cases) == 1 && sh.cases[0].view.c != nil })
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../data/mailin/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An e-mail fills the form (sender, subject, date, text, language) and is kept with
// the case, with its attachments; a broken file says why and changes nothing.
func TestMailIntake(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "de", "")
	sh.LoadMail("beschwerde.eml", readFixture(t, "qp_latin1.eml"))
	in := sh.intake
	if sh.tabs.Selected() != sh.intakeTab || w.Canvas().Focused() != fyne.Focusable(in.kind) {
		t.Error("the filled form is not in front with the keyboard on it")
	}
	d := in.state()
	if d.Name != "Jörg Müller" || d.Email != "joerg.mueller@example.org" || d.Channel != "email" || d.Language != "de" ||
		d.Subject != "Beschwerde: Wartezeiten am Schalter für Arbeitslose" || d.Received != "15.06.2026 09:12" ||
		!strings.Contains(d.Description, "über zwei Stunden am Schalter gewartet") {
		t.Fatalf("form from the e-mail: %+v", d)
	}
	test.Type(in.kind, "b")
	press(t, w, fyne.KeyS)
	q.until(t, "the case", func() bool { return count(t, s) == 1 })
	c := mustGet(t, s, "BZ-2026-000001")
	files, _ := s.Attachments(context.Background(), c.ID)
	if c.Channel != data.ChannelEmail || c.Kind != data.KindComplaint || len(files) != 1 || files[0].Name != "beschwerde.eml" || files[0].MIME != "message/rfc822" {
		t.Fatalf("case %+v files %+v", c, files)
	}

	// A broken file: a message in the clerk's language; the form keeps what it had.
	typeInto(w, in.subject, "angefangen")
	before := in.state()
	sh.LoadMail("kaputt.eml", readFixture(t, "broken_multipart.eml"))
	// The form holds input: the clerk is asked first; agree.
	confirmDialog(t, w, "Ja")
	if in.state() != before {
		t.Errorf("a broken e-mail changed the form: %+v", in.state())
	}
	if !reads(w.Canvas().Overlays().Top(), "Die Datei lässt sich nicht als E-Mail lesen") {
		t.Errorf("no message about the broken file: %q", texts(w.Canvas().Overlays().Top()))
	}
	if count(t, s) != 1 {
		t.Error("a broken e-mail registered something")
	}
}

// A multipart e-mail keeps its attachments with the case.
func TestMailIntakeKeepsAttachments(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "it", "")
	raw := readFixture(t, "multipart_attachment.eml")
	// Received on the 17th: the test's clock is the 15th, so the clerk corrects the date.
	sh.LoadMail("certificato.eml", raw)
	in := sh.intake
	in.received.SetText("15/06/2026 10:30")
	press(t, w, fyne.KeyS)
	q.until(t, "the case", func() bool { return count(t, s) == 1 })
	c := mustGet(t, s, "BZ-2026-000001")
	files, _ := s.Attachments(context.Background(), c.ID)
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if strings.Join(names, "|") != "certificato.eml|Certificato disoccupazione Rosì.pdf|Foto sportello n°3.png" {
		t.Errorf("files kept: %q", names)
	}
	if c.Citizen.Name != "Rossi, Maria" || c.Citizen.Language != data.Italian {
		t.Errorf("citizen %+v", c.Citizen)
	}
}

// The same e-mail dropped again after it was registered does not fill the form and
// gets no second number: the form says which case it is and opens it.
func TestMailIntakeAlreadyRegistered(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "de", "")
	raw := readFixture(t, "qp_latin1.eml")
	sh.LoadMail("beschwerde.eml", raw)
	in := sh.intake
	in.subject.SetText(in.subject.Text + " (Schalter Dantestraße)")
	press(t, w, fyne.KeyS)
	q.until(t, "the case", func() bool { return count(t, s) == 1 && in.note.Visible() })
	c := mustGet(t, s, "BZ-2026-000001")
	if !strings.HasSuffix(c.Subject, "(Schalter Dantestraße)") {
		t.Errorf("the clerk's correction was not kept: %q", c.Subject)
	}

	sh.LoadMail("beschwerde (Kopie).eml", raw)
	if sh.tabs.Selected() != sh.intakeTab {
		t.Error("the intake is not in front")
	}
	want := translations.T("de", "intake.mail.duplicate", "number", c.Number, "date", "15.06.2026", "subject", c.Subject)
	if !in.known.Visible() || in.knownText.Text != want || !reads(w.Canvas().Content(), want) {
		t.Fatalf("no word that the e-mail is registered: %q (shown %v)", in.knownText.Text, in.known.Visible())
	}
	if d := in.state(); d.Subject != "" || d.Name != "" || d.HasMail {
		t.Errorf("the form was filled from a registered e-mail: %+v", d)
	}
	press(t, w, fyne.KeyS) // an empty form: refused, nothing registered
	if count(t, s) != 1 {
		t.Fatalf("%d cases for one e-mail", count(t, s))
	}
	test.Tap(in.knownOpen)
	q.until(t, "the case to open", func() bool { return len(sh.cases) == 1 && sh.cases[0].view.c != nil })
	if sh.cases[0].view.c.Number != c.Number {
		t.Errorf("opened %s", sh.cases[0].view.c.Number)
	}
}

// An e-mail registered by another program while it is in the form: saving gives no
// second case, the form says which case it is and keeps what was typed.
func TestMailIntakeRegisteredMeanwhile(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "de", "")
	raw := readFixture(t, "qp_latin1.eml")
	sh.LoadMail("beschwerde.eml", raw)
	in := sh.intake
	if _, _, err := intake.TakeIn(context.Background(), s, "beschwerde.eml", raw, intake.Options{}); err != nil {
		t.Fatal(err)
	}
	before := in.state()
	press(t, w, fyne.KeyS)
	q.until(t, "the answer", func() bool { return in.known.Visible() })
	if count(t, s) != 1 || in.state() != before || !strings.Contains(in.knownText.Text, "BZ-2026-000001") {
		t.Fatalf("%d cases; form %+v; %q", count(t, s), in.state(), in.knownText.Text)
	}
}

// The program stopped after the e-mail's case was saved and before its draft was
// removed: the next window restores the form and says the e-mail is registered, and
// saving gives no second case.
func TestMailIntakeDraftOfARegisteredMail(t *testing.T) {
	s := newRegister(t, 0)
	dir := t.TempDir()
	sh, _, _ := shellFor(t, s, "de", dir)
	raw := readFixture(t, "qp_latin1.eml")
	sh.LoadMail("beschwerde.eml", raw)
	sh.intake.Close() // the draft on disk now
	deadline := time.Now().Add(5 * time.Second)
	for {
		var md mailDraft
		if ok, _ := sh.e.drafts.Load(intakeMailName, &md); ok && len(md.Raw) == len(raw) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the e-mail's draft was never written")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, _, err := intake.TakeIn(context.Background(), s, "beschwerde.eml", raw, intake.Options{}); err != nil {
		t.Fatal(err)
	}
	again, q, w := shellFor(t, s, "de", dir)
	in := again.intake
	if !in.Restored() || !in.known.Visible() || !strings.Contains(in.knownText.Text, "BZ-2026-000001") {
		t.Fatalf("restored %v, notice %v %q", in.Restored(), in.known.Visible(), in.knownText.Text)
	}
	in.known.Hide() // so that the answer of the save is seen
	again.ShowIntake()
	press(t, w, fyne.KeyS)
	q.until(t, "the answer", func() bool { return in.known.Visible() })
	if count(t, s) != 1 {
		t.Fatalf("%d cases after saving the restored draft", count(t, s))
	}
}

// An e-mail whose date cannot be read: the time received is now, and the form says
// beside it that it is a guess to confirm; setting the time removes the note.
func TestMailIntakeUnreadableDate(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "it", "")
	raw := []byte("From: Maria Rossi <maria.rossi@example.it>\r\nSubject: Richiesta appuntamento\r\n" +
		"Date: martedi 16 giugno 2026 ore 10\r\nMessage-ID: <CAF7x=k2Lr9Qm@mail.example.it>\r\n\r\n" +
		"Buongiorno, vorrei fissare un appuntamento per il colloquio. Grazie per la cortesia.\r\n")
	sh.LoadMail("appuntamento.eml", raw)
	in := sh.intake
	if in.received.Text != formatDateTime(now, "it") {
		t.Errorf("received %q, want now", in.received.Text)
	}
	want := translations.T("it", "intake.mail.date_unreadable")
	if !in.dateNote.Visible() || in.dateNote.Text != want || !reads(w.Canvas().Content(), want) {
		t.Fatalf("no note that the time is a guess: %q (shown %v)", in.dateNote.Text, in.dateNote.Visible())
	}
	in.received.SetText("15/06/2026 09:40")
	if in.dateNote.Visible() {
		t.Error("the note stays after the clerk set the time")
	}
	press(t, w, fyne.KeyS)
	q.until(t, "the case", func() bool { return count(t, s) == 1 })
	if c := mustGet(t, s, "BZ-2026-000001"); !c.ReceivedAt.Equal(time.Date(2026, 6, 15, 9, 40, 0, 0, data.Rome)) {
		t.Errorf("received %v", c.ReceivedAt)
	}
}

// A PEC fills the form from the citizen's message inside the envelope, by PEC; a PEC
// receipt is refused with a message and fills nothing.
func TestMailIntakePEC(t *testing.T) {
	s := newRegister(t, 0)
	sh, _, w := shellFor(t, s, "it", "")
	receipt, err := os.ReadFile("../cmd/ascoltoctl/testdata/pec-ricevuta-consegna.eml")
	if err != nil {
		t.Fatal(err)
	}
	sh.LoadMail("ricevuta.eml", receipt)
	in := sh.intake
	if d := in.state(); d.Subject != "" || d.HasMail {
		t.Errorf("a receipt filled the form: %+v", d)
	}
	if !reads(w.Canvas().Overlays().Top(), "ricevuta PEC (avvenuta-consegna)") {
		t.Errorf("no message about the receipt: %q", texts(w.Canvas().Overlays().Top()))
	}
	w.Canvas().Overlays().Top().Hide()
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	raw, err := os.ReadFile("../cmd/ascoltoctl/testdata/pec-richiesta.eml")
	if err != nil {
		t.Fatal(err)
	}
	sh.LoadMail("pec-richiesta.eml", raw)
	d := in.state()
	if d.Channel != string(data.ChannelPEC) || d.Name != "Maria Rossi" || d.Email != "maria.rossi@pec.it" {
		t.Fatalf("form from the PEC: %+v", d)
	}
	// Certified on the 16th, a day after the tests' clock: a time of receipt in the
	// future is not taken, the clerk is told.
	if d.Received != formatDateTime(now, "it") || !in.dateNote.Visible() ||
		in.dateNote.Text != translations.T("it", "intake.mail.date_future", "date", "2026-06-16 10:15") {
		t.Errorf("received %q, note %q", d.Received, in.dateNote.Text)
	}
	if !strings.Contains(in.mailNote.Text, "(4 file)") {
		t.Errorf("mail note %q", in.mailNote.Text)
	}
}

// confirmDialog presses the dialog button labelled label.
func confirmDialog(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog")
	}
	for _, o := range visibleObjects(top) {
		switch b := o.(type) {
		case *widget.Button:
			if b.Text == label {
				test.Tap(b)
				return
			}
		case *button: // the program's dialogs (showDialog)
			if b.Text == label {
				test.Tap(b)
				return
			}
		}
	}
	t.Fatalf("no button %q in %q", label, texts(top))
}
