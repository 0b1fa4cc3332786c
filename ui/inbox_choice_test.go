package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/data/intake"
	"ascolto/data/mailbox"
	"ascolto/translations"
)

// localBox is the mailbox of the messages fetched already, without a server: Register
// records the options and registers through intake as the real mailbox does.
type localBox struct {
	*mailbox.Box
	opts *[]intake.Options
	// fetched, if set, is reported once as a fetch's result.
	fetched *mailbox.FetchResult
}

func (b localBox) Watch(ctx context.Context, _ time.Duration, report func(*mailbox.FetchResult, error)) {
	if b.fetched != nil {
		list, err := b.Inbox(ctx)
		b.fetched.Inbox = list
		report(b.fetched, err)
	}
	<-ctx.Done()
}

func (b localBox) Register(ctx context.Context, id string, opt intake.Options) (*mailbox.Registered, error) {
	*b.opts = append(*b.opts, opt)
	path := filepath.Join(b.Dir, id+".eml")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	res, _, err := intake.TakeIn(ctx, b.Store, "mail-"+id+".eml", raw, opt)
	if err != nil {
		return nil, err
	}
	os.Remove(path)
	return &mailbox.Registered{Result: res}, nil
}

// The inbox shows each message's proposed kind and language in two choices under the
// list, Tab away from it; the clerk changes them with the keyboard, the row says the
// choice, and Enter in the list registers the case with it.
func TestInboxKindAndLanguageBeforeRegistering(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			t.Setenv(mailbox.PasswordEnv, "")
			setMailPassword("segreto")
			t.Cleanup(func() { setMailPassword("") })
			s := newRegister(t, 0)
			ms := data.MailSettings{IMAPHost: "127.0.0.1", SMTPHost: "127.0.0.1", Address: "urp@comune.example"}
			if err := s.Update(context.Background(), func(tx *data.Tx) error { return tx.SetMailSettings(ms) }); err != nil {
				t.Fatal(err)
			}
			dir := mailbox.InboxDir(s)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "7-1.eml"), string(citizenMail("Jörg Müller", "joerg@example.org", "urp@comune.example",
				"k-"+lang+"@example.org", "Anfrage Öffnungszeiten", "Sehr geehrte Damen und Herren,\r\nich möchte wissen, wann das Amt am Samstag geöffnet ist.\r\nMit freundlichen Grüßen\r\nJörg Müller\r\n")))
			var opts []intake.Options
			open := openMailBox
			openMailBox = func(store *data.Store, ms data.MailSettings, password string) mailBox {
				return localBox{Box: &mailbox.Box{Store: store, Settings: ms, Password: password, Dir: mailbox.InboxDir(store)}, opts: &opts}
			}
			t.Cleanup(func() { openMailBox = open })

			sh, q, w := mailShell(t, s, lang)
			v := sh.inbox
			press(t, w, fyne.Key6)
			q.until(t, "the message in the inbox", func() bool { return len(v.shown) == 1 && v.cur == 0 })
			m := v.shown[0]
			if m.Kind != data.KindRequest || m.Language != data.German {
				t.Fatalf("the proposal: %s %s", m.Kind, m.Language)
			}
			if v.kind.Value() != string(data.KindRequest) || v.lang.Value() != "de" || v.kind.Disabled() {
				t.Fatalf("the choices show %q %q (disabled %v)", v.kind.Value(), v.lang.Value(), v.kind.Disabled())
			}

			// Tab: kind, then language; a word typed picks.
			w.Canvas().FocusNext()
			if w.Canvas().Focused() != fyne.Focusable(v.kind) {
				t.Fatalf("Tab from the list goes to %T", w.Canvas().Focused())
			}
			test.Type(v.kind, word(lang, "kind", data.KindComplaint))
			if v.kind.Value() != string(data.KindComplaint) {
				t.Fatalf("typed the complaint, the kind is %q", v.kind.Value())
			}
			w.Canvas().FocusNext()
			if w.Canvas().Focused() != fyne.Focusable(v.lang) {
				t.Fatalf("Tab from the kind goes to %T", w.Canvas().Focused())
			}
			test.Type(v.lang, translations.T(lang, "language.it"))
			if v.lang.Value() != "it" {
				t.Fatalf("typed Italian, the language is %q", v.lang.Value())
			}
			_, what := v.rowTexts(v.shown[0])
			if !strings.Contains(what, capital(word(lang, "kind", data.KindComplaint))) || !strings.Contains(what, translations.T(lang, "language.it")) {
				t.Errorf("the row does not say the choice: %q", what)
			}

			w.Canvas().Focus(v.list)
			hit(w, fyne.KeyReturn)
			q.until(t, "the case opened", func() bool { return len(sh.cases) == 1 })
			if len(opts) != 1 || opts[0].Kind != data.KindComplaint || opts[0].Language != data.Italian {
				t.Fatalf("registered with %+v", opts)
			}
			c := mustGet(t, s, "BZ-2026-000001")
			if c.Kind != data.KindComplaint || c.Citizen.Language != data.Italian || c.Citizen.Email != "joerg@example.org" {
				t.Errorf("the case: %s, %s, %s", c.Kind, c.Citizen.Language, c.Citizen.Email)
			}
		})
	}
}

// A fetch that released a mark a stopped workstation had left says so in the tab's
// status line, in the clerk's language.
func TestInboxSaysReleasedMessages(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			t.Setenv(mailbox.PasswordEnv, "")
			setMailPassword("segreto")
			t.Cleanup(func() { setMailPassword("") })
			s := newRegister(t, 0)
			ms := data.MailSettings{IMAPHost: "127.0.0.1", SMTPHost: "127.0.0.1", Address: "urp@comune.example"}
			if err := s.Update(context.Background(), func(tx *data.Tx) error { return tx.SetMailSettings(ms) }); err != nil {
				t.Fatal(err)
			}
			var opts []intake.Options
			open := openMailBox
			openMailBox = func(store *data.Store, ms data.MailSettings, password string) mailBox {
				return localBox{Box: &mailbox.Box{Store: store, Settings: ms, Password: password, Dir: mailbox.InboxDir(store)}, opts: &opts,
					fetched: &mailbox.FetchResult{Released: []string{"7-3"}}}
			}
			t.Cleanup(func() { openMailBox = open })
			sh, q, _ := mailShell(t, s, lang)
			v := sh.inbox
			want := translations.T(lang, "cli.mail.released", "id", "7-3")
			q.until(t, "the fetch said", func() bool { return strings.Contains(v.status.Text, want) })
		})
	}
}
