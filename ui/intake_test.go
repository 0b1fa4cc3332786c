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

// confirmDialog presses the dialog button labelled label.
func confirmDialog(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog")
	}
	for _, o := range visibleObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == label {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no button %q in %q", label, texts(top))
}
