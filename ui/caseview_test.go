package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/translations"
)

// showCase opens the case ref in the shell and waits until it is shown.
func showCase(t *testing.T, sh *Shell, q uiQueue, ref string) *CaseView {
	t.Helper()
	sh.OpenCase(ref)
	oc := sh.currentCase()
	if oc == nil {
		t.Fatal("no case tab")
	}
	q.until(t, "the case "+ref, func() bool { return oc.view.c != nil && oc.view.buttons != nil && len(oc.view.buttons) > 0 })
	return oc.view
}

// reloaded waits until the view shows the case at version v or later.
func reloaded(t *testing.T, q uiQueue, v *CaseView, version int64) {
	t.Helper()
	q.until(t, "the case to be shown again", func() bool { return v.c != nil && v.c.Version >= version && !v.busy })
}

// From received to answered and closed with the actions the status allows: start,
// a phrase for a complaint in the citizen's language, record the reply, close. The
// history tells each step.
func TestCaseViewMovesACaseToAnswered(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := shellFor(t, s, "it", "")
	v := showCase(t, sh, q, "BZ-2026-000001") // Jörg Müller's complaint, citizen's language German
	if v.buttons["start"] == nil || v.buttons["wait"] == nil || v.buttons["close"] != nil || v.buttons["resume"] != nil {
		t.Fatalf("actions of a received case: %v", keys(v.buttons))
	}
	if w.Canvas().Focused() != fyne.Focusable(v.buttons["start"]) {
		t.Errorf("the keyboard is on %T, not on the first action", w.Canvas().Focused())
	}
	key(w, fyne.KeyReturn) // Enter presses the focused button: start work
	reloaded(t, q, v, 2)
	if v.c.Status != data.StatusInProgress || v.buttons["start"] != nil || v.buttons["wait"] == nil {
		t.Fatalf("after start: %s, actions %v", v.c.Status, keys(v.buttons))
	}

	press(t, w, fyne.KeyR)
	if w.Canvas().Focused() != fyne.Focusable(v.reply) {
		t.Fatalf("Ctrl+R put the keyboard on %T", w.Canvas().Focused())
	}
	if v.replyLang.Value() != "de" {
		t.Errorf("reply language %q, want the citizen's (de)", v.replyLang.Value())
	}
	v.phrases.SetSelectedIndex(0) // the complaint's skeleton
	if !strings.HasPrefix(v.reply.Text, "Guten Tag Jörg Müller,\n\nwir haben Ihre Beschwerde vom 16.05.2026 (Protokollnr. BZ-2026-000001), „Wartezeiten am Schalter“") {
		t.Fatalf("phrase inserted: %q", v.reply.Text)
	}
	v.phrases.SetSelectedIndex(3) // closing, added below
	if !strings.HasSuffix(v.reply.Text, "Mit freundlichen Grüßen\nBürgerservice") {
		t.Errorf("closing phrase: %q", v.reply.Text)
	}
	press(t, w, fyne.KeyS) // in the reply editor Ctrl+S records the reply
	reloaded(t, q, v, 3)
	if v.c.Status != data.StatusAnswered || v.c.Reply.Language != data.German || v.buttons["close"] == nil {
		t.Fatalf("after the reply: %s %s %v", v.c.Status, v.c.Reply.Language, keys(v.buttons))
	}
	test.Tap(v.buttons["close"])
	reloaded(t, q, v, 4)
	if v.c.Status != data.StatusClosed {
		t.Fatalf("after close: %s", v.c.Status)
	}
	root := w.Canvas().Content()
	relayout(w)
	for _, want := range []string{"chiusa", "risposta registrata", "stato modificato", "registrata", "Stato: ricevuta → in lavorazione"} {
		if !reads(root, want) {
			t.Errorf("history lacks %q: %q", want, texts(root))
		}
	}
	q.until(t, "the register to follow", func() bool { return sh.register.counted })
}

// Corrections go through the write path; an invalid one is shown at its field and
// changes nothing.
func TestCaseViewCorrections(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := shellFor(t, s, "de", "")
	v := showCase(t, sh, q, "BZ-2026-000004")
	typeInto(w, v.email, "anna@")
	test.Tap(v.buttons["save"])
	q.until(t, "the refusal", func() bool { return v.errs["email"].Visible() })
	if v.errs["email"].Text != translations.T("de", "err.email", "email", "anna@") {
		t.Errorf("message %q", v.errs["email"].Text)
	}
	if c := mustGet(t, s, "BZ-2026-000004"); c.Version != 1 || c.Citizen.Email != "" {
		t.Fatalf("a refused correction changed the case: %+v", c)
	}
	v.email.SetText("anna.pichler@example.org")
	v.satisfaction.SetValue("5")
	test.Tap(v.buttons["save"])
	reloaded(t, q, v, 3)
	if c := mustGet(t, s, "BZ-2026-000004"); c.Citizen.Email != "anna.pichler@example.org" || c.Satisfaction != 5 {
		t.Fatalf("corrections not saved: %+v", c)
	}
}

// Forward, assign, wait with a note, attach: each lands in the history.
func TestCaseViewForwardAssignWaitAttach(t *testing.T) {
	s := mixedRegister(t)
	if err := s.PutOffice(data.Office{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"}); err != nil {
		t.Fatal(err)
	}
	sh, q, w := shellFor(t, s, "it", "")
	v := showCase(t, sh, q, "BZ-2026-000005")
	v.assignTo.SetText("k.gamper")
	test.Tap(v.buttons["assign"])
	reloaded(t, q, v, 2)
	v.forwardOffice.SetValue("EGNA")
	v.forwardService.SetText("Servizio mobilità")
	v.note.SetText("competente per territorio")
	test.Tap(v.buttons["forward"])
	reloaded(t, q, v, 3)
	v.note.SetText("manca il modulo firmato")
	test.Tap(v.buttons["wait"])
	reloaded(t, q, v, 4)
	v.addFile("modulo.pdf", "application/pdf", []byte("%PDF-1.4 modulo"))
	reloaded(t, q, v, 5)
	c := v.c
	if c.Assignee != "k.gamper" || c.Office != "EGNA" || c.Service != "Servizio mobilità" || c.Status != data.StatusWaiting || v.buttons["resume"] == nil {
		t.Fatalf("case %+v, actions %v", c, keys(v.buttons))
	}
	if len(v.files) != 1 || v.files[0].Name != "modulo.pdf" || v.tabs.Items[1].Text != "Allegati (1)" {
		t.Errorf("files %+v, tab %q", v.files, v.tabs.Items[1].Text)
	}
	h, _ := s.History(context.Background(), c.ID)
	lines := ""
	for _, e := range h {
		l := describeEntry(e, "it", v.offices)
		lines += l.What + ": " + strings.Join(l.Details, "; ") + " / " + l.Note + "\n"
	}
	for _, want := range []string{"assegnata: Assegnata a: k.gamper", "inoltrata: Ufficio: Ufficio relazioni con il pubblico → Centro di mediazione lavoro Egna; Servizio competente: Servizio mobilità / competente per territorio",
		"stato modificato: Stato: ricevuta → in attesa / manca il modulo firmato", "file allegato: File: modulo.pdf"} {
		if !strings.Contains(lines, want) {
			t.Errorf("history lacks %q:\n%s", want, lines)
		}
	}
	key(w, fyne.KeyEscape)
	if len(sh.cases) != 0 || sh.tabs.Selected() != sh.registerTab {
		t.Error("Esc did not close the case and go back to the register")
	}
}

func keys(m map[string]*button) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
