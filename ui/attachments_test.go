package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// buttonsIn are the buttons a row offers.
func buttonsIn(o fyne.CanvasObject) []*button {
	var out []*button
	for _, v := range visibleObjects(o) {
		if b, ok := v.(*button); ok {
			out = append(out, b)
		}
	}
	return out
}

func labelsIn(o fyne.CanvasObject) []*widget.Label {
	var out []*widget.Label
	for _, v := range visibleObjects(o) {
		if l, ok := v.(*widget.Label); ok {
			out = append(out, l)
		}
	}
	return out
}

// Each state of a file reads as itself: a file that is here opens; one on its way from
// another office is greyed, says "arriving", from where and why, and offers nothing to
// open; one that stayed with the other office says so. Italian and German alike.
func TestFileRowsSayWhatIsNotHere(t *testing.T) {
	test.NewTempApp(t)
	s := newRegister(t, 1)
	offices := []data.Office{office, {Code: "ME", NameIT: "Centro di mediazione lavoro Merano", NameDE: "Arbeitsvermittlungszentrum Meran"}}
	at := time.Date(2026, 5, 16, 10, 30, 0, 0, data.Rome)
	file := func(origin, state, reason string) data.CaseFile {
		return data.CaseFile{ID: "f1", CaseID: "c1", Kind: data.FileKindAttachment, Name: "verbale.pdf", MIME: "application/pdf",
			Size: 48 << 10, SHA256: strings.Repeat("ab", 32), Origin: origin, AddedAt: at, State: state, Arrived: state == data.FileArrived, Reason: reason}
	}
	late := func(f data.CaseFile, passes int) data.CaseFile { f.Passes = passes; return f }
	for _, tc := range []struct {
		lang      string
		f         data.CaseFile
		open      bool
		want      []string
		greyed    bool
		notWanted []string
	}{
		{"it", file("BZ", data.FileArrived, ""), true, []string{"verbale.pdf", "48 kB · aggiunto il 16/05/2026 10:30"}, false, []string{"in arrivo", "presso"}},
		{"it", file("ME", data.FileArrived, ""), true, []string{"48 kB · aggiunto il 16/05/2026 10:30 presso ME — Centro di mediazione lavoro Merano"}, false, []string{"in arrivo"}},
		{"it", file("ME", data.FileArriving, ""), false, []string{"verbale.pdf", "in arrivo", "In arrivo da ME — Centro di mediazione lavoro Merano: il file arriva attraverso la cartella condivisa"}, true, []string{"Apri"}},
		{"it", file("ME", data.FileArriving, "missing"), false, []string{"in arrivo", "non è ancora nella cartella condivisa"}, true, nil},
		{"it", file("ME", data.FileArriving, "hash"), false, []string{"in arrivo", "era danneggiata e non è stata acquisita; viene richiesta di nuovo"}, true, nil},
		{"it", file("ME", data.FileArriving, "budget"), false, []string{"in arrivo", "avrà liberato spazio"}, true, nil},
		{"it", late(file("ME", data.FileArriving, "missing"), 61), false, []string{"non è ancora nella cartella condivisa.", "Ancora assente dopo 61 tentativi: chiedere a ME — Centro di mediazione lavoro Merano se il file è stato pubblicato."}, true, nil},
		{"it", late(file("ME", data.FileArriving, "missing"), 59), false, []string{"in arrivo"}, true, []string{"Ancora assente"}},
		{"it", file("ME", data.FileNotTaken, ""), false, []string{"non presente", "Conservato solo presso ME — Centro di mediazione lavoro Merano"}, true, []string{"in arrivo"}},
		{"de", file("ME", data.FileArriving, "size"), false, []string{"unterwegs", "Unterwegs von ME — Arbeitsvermittlungszentrum Meran: Die Kopie im gemeinsamen Ordner ist unvollständig oder wird noch kopiert."}, true, []string{"beschädigt"}},
		{"de", file("ME", data.FileArriving, "hash"), false, []string{"unterwegs", "Unterwegs von ME — Arbeitsvermittlungszentrum Meran: Die Kopie im gemeinsamen Ordner war beschädigt"}, true, []string{"Öffnen"}},
		{"de", file("ME", data.FileNotTaken, ""), false, []string{"nicht vorhanden", "Nur bei ME — Arbeitsvermittlungszentrum Meran abgelegt"}, true, nil},
	} {
		v := &CaseView{e: &env{store: s, lang: tc.lang, do: func(f func()) { f() }}, offices: offices}
		row := v.fileRow(tc.f)
		w := test.NewWindow(row)
		w.Resize(fyne.NewSize(900, 200))
		all := strings.Join(texts(row), " ")
		for _, want := range tc.want {
			if !strings.Contains(all, want) {
				t.Errorf("%s %s/%s: %q lacks %q", tc.lang, tc.f.State, tc.f.Reason, all, want)
			}
		}
		for _, not := range tc.notWanted {
			if strings.Contains(all, not) {
				t.Errorf("%s %s/%s: %q shows %q", tc.lang, tc.f.State, tc.f.Reason, all, not)
			}
		}
		if bs := buttonsIn(row); (len(bs) == 1) != tc.open {
			t.Errorf("%s %s: %d buttons, openable %v", tc.lang, tc.f.State, len(bs), tc.open)
		}
		for _, l := range labelsIn(row) {
			if l.Text == tc.f.Name && (l.Importance == widget.LowImportance) != tc.greyed {
				t.Errorf("%s %s: the name's importance is %v", tc.lang, tc.f.State, l.Importance)
			}
		}
		w.Close()
	}
}

// Letters the Letter tab lists are not listed again; the Files tab lists the
// attachments, the letters still on their way, and a letter that arrived but is not a
// letter of the register here (its number was taken).
func TestShownFiles(t *testing.T) {
	in := []data.CaseFile{
		{ID: "a", Kind: data.FileKindAttachment, Arrived: true, State: data.FileArrived},
		{ID: "b", Kind: data.FileKindLetter, Arrived: true, State: data.FileArrived},
		{ID: "c", Kind: data.FileKindLetter, State: data.FileArriving},
		{ID: "d", Kind: data.FileKindAttachment, State: data.FileArriving},
		{ID: "e", Kind: data.FileKindLetter, Arrived: true, State: data.FileArrived},
	}
	var ids []string
	for _, f := range shownFiles(in, map[string]bool{"b": true}) {
		ids = append(ids, f.ID)
	}
	if strings.Join(ids, ",") != "a,c,d,e" {
		t.Fatalf("shown %v", ids)
	}
}

// A letter issued here is in the Letter tab only.
func TestFilesOfCaseLeaveLettersToTheirTab(t *testing.T) {
	s := newRegister(t, 1)
	ctx := t.Context()
	cs, err := s.List(ctx, data.Filter{})
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	if _, err := s.Attach(ctx, cs[0].ID, "modulo.pdf", "application/pdf", []byte("%PDF-1.4 modulo")); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *data.Tx) error {
		_, err := tx.IssueLetter(cs[0].ID, data.LetterRequest{Language: data.LetterItalian, ReplyLanguage: data.Italian,
			Reply:  "Gentile signora Rossi, la pratica è conclusa.",
			Render: func(*data.Case, *data.Letter) ([]byte, error) { return []byte("%PDF-1.4 lettera"), nil }})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.CaseFiles(ctx, cs[0].ID)
	if err != nil || len(all) != 2 {
		t.Fatalf("case files %+v %v", all, err)
	}
	shown, err := filesOfCase(ctx, s, cs[0].ID)
	if err != nil || len(shown) != 1 || shown[0].Name != "modulo.pdf" {
		t.Fatalf("shown %+v %v", shown, err)
	}
}

// Through the real exchange: Egna adds a file to its case; Bolzano receives the case
// before the file (its copy is not in the folder yet). The case view lists the file as
// arriving from Egna, greyed, with nothing to open — not as a case without files.
func TestCaseViewShowsAFileArriving(t *testing.T) {
	test.NewTempApp(t)
	bz, eg, xbz, xeg, folder := twoOffices(t)
	ctx := t.Context()
	if err := xbz.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if err := xbz.Trust(ctx, "EG", fingerprintOf(t, eg)); err != nil {
		t.Fatal(err)
	}
	cs, err := eg.List(ctx, data.Filter{})
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	content := []byte("%PDF-1.4 verbale di sopralluogo\n%%EOF\n")
	if _, err := eg.Attach(ctx, cs[0].ID, "verbale sopralluogo.pdf", "application/pdf", content); err != nil {
		t.Fatal(err)
	}
	if _, err := xeg.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// The file has not come through the shared folder yet (a carrier still copying).
	files := filepath.Join(folder, "EG", "files") // where an office publishes its files (docs/exchange.md)
	hidden := filepath.Join(t.TempDir(), "files")
	if err := os.Rename(files, hidden); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if _, err := xbz.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sh, q, w := shellFor(t, bz, "it", "")
	v := showCase(t, sh, q, cs[0].Number)
	if len(v.files) != 1 || v.files[0].State != data.FileArriving || v.files[0].Origin != "EG" || v.tabs.Items[1].Text != "Allegati (1)" {
		t.Fatalf("files %+v, tab %q", v.files, v.tabs.Items[1].Text)
	}
	v.tabs.SelectIndex(1)
	if !reads(v.fileList, "in arrivo") || !reads(v.fileList, "In arrivo da EG — Comune di Egna") || reads(v.fileList, "Nessun file") {
		t.Errorf("the Files tab reads %q", texts(v.fileList))
	}
	if bs := buttonsIn(v.fileList); len(bs) != 0 {
		t.Errorf("a file not here can be opened: %d buttons", len(bs))
	}
	// The file comes; the next look takes it and the row opens it.
	if err := os.Rename(hidden, files); err != nil {
		t.Fatal(err)
	}
	if _, err := xbz.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	v.Reload()
	q.until(t, "the file arrived", func() bool { return len(v.files) == 1 && v.files[0].Arrived })
	if bs := buttonsIn(v.fileList); len(bs) != 1 || bs[0].Text != "Apri" || reads(v.fileList, "in arrivo") {
		t.Errorf("an arrived file: %d buttons, %q", len(bs), texts(v.fileList))
	}
	got, err := bz.CaseFileContent(ctx, v.files[0].SHA256)
	if err != nil || string(got) != string(content) {
		t.Fatalf("arrived %q, %v", got, err)
	}
	_ = w
}
