package ui

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/printing/signedfile"
)

// A file of the case that is signed (a .p7m, a .p7s beside its file, a signed PDF)
// gets a line under it: who signed and when, whether the signature is intact and
// whether the signer is on the office's trust list; and, for an envelope, a button
// that opens the document inside it the way any file is opened (attachopen.go).

// signedLine is the line under f, or nil when f is not a signed file by its name.
// The check runs off the UI thread; a PDF without a signature leaves no line.
func (v *CaseView) signedLine(f data.CaseFile) fyne.CanvasObject {
	if !f.Arrived || f.Kind != data.FileKindAttachment || !signedfile.LooksSigned(f.Name) {
		return nil
	}
	label := widget.NewLabel(v.e.t("case.signed_checking"))
	label.SizeName = theme.SizeNameCaptionText
	label.Wrapping = fyne.TextWrapWord
	label.Importance = widget.LowImportance
	row := container.NewVBox(label)
	isPDF := strings.HasSuffix(strings.ToLower(f.Name), ".pdf")
	if isPDF {
		row.Hide() // most PDFs are not signed: nothing shows until one is
	}
	var sibling *data.CaseFile
	if strings.HasSuffix(strings.ToLower(f.Name), ".p7s") {
		want := f.Name[:len(f.Name)-4]
		for i := range v.files {
			if o := v.files[i]; o.Arrived && o.Name == want {
				sibling = &v.files[i]
			}
		}
	}
	store := v.e.store
	var res *signedfile.Result
	var trustErr error
	v.e.background(func() error {
		ctx := context.Background()
		b, err := store.CaseFileContent(ctx, f.SHA256)
		if err != nil {
			return err
		}
		var trust *signedfile.TrustList
		trust, trustErr = officeTrust(store)
		if sibling == nil {
			res, err = signedfile.Inspect(f.Name, b, trust, time.Now())
			return err
		}
		content, err := store.CaseFileContent(ctx, sibling.SHA256)
		if err != nil {
			return err
		}
		res, err = signedfile.InspectDetached(f.Name, b, content, trust, time.Now())
		return err
	}, func(err error) {
		if err != nil {
			if p, ok := data.AsProblem(err); ok && p.Key == "case.signed_none" && isPDF {
				return
			}
			label.SetText(v.e.errText(err))
			label.Importance = widget.DangerImportance
			label.Refresh()
			row.Show()
			return
		}
		v.showSigned(row, label, res, trustErr)
		row.Show()
	})
	return row
}

// showSigned writes the check's result into the line.
// trustErr is why the office's trust list could not be read, said after the line: a
// list set but unreadable is not the same as none.
func (v *CaseView) showSigned(row *fyne.Container, label *widget.Label, res *signedfile.Result, trustErr error) {
	lang := v.e.lang
	var names []string
	var when time.Time
	for _, s := range res.Signers {
		n := s.Name
		if s.Certificate == nil {
			n = "?"
		}
		if s.FiscalCode != "" {
			n += " (" + s.FiscalCode + ")"
		}
		names = append(names, n)
		if when.IsZero() {
			when = s.SigningTime // the outermost envelope's: the last signature made
		}
	}
	state, importance := v.e.t("case.signed_state_ok"), widget.SuccessImportance
	if p := res.Problem(); p != nil {
		importance = widget.WarningImportance
		switch p.Key {
		case "case.signed_tampered":
			state, importance = v.e.t("case.signed_state_tampered"), widget.DangerImportance
		case "case.signed_expired":
			state = v.e.t("case.signed_state_expired")
		case "case.signed_no_trust":
			state = v.e.t("case.signed_state_no_trust")
		default:
			state = v.e.t("case.signed_state_unknown", "issuer", p.Args["issuer"])
		}
	}
	who := strings.Join(names, ", ")
	if when.IsZero() {
		label.SetText(v.e.t("case.signed_line_notime", "name", who, "state", state))
	} else {
		label.SetText(v.e.t("case.signed_line", "name", who, "when", formatDateTime(when, lang), "state", state))
	}
	if trustErr != nil {
		label.SetText(label.Text + "\n" + v.e.errText(trustErr))
	}
	label.Importance = importance
	label.Refresh()
	// The document inside an envelope opens on its own (a detached signature's and a
	// PDF's are the files listed); a changed document is not handed out as the signed
	// one.
	if res.Kind == signedfile.KindEnvelope && res.Intact() {
		content, name := res.Content, res.ContentName
		open := newButton(v.e.t("case.signed_open"), theme.DocumentIcon(), func() {
			v.openContent(name, func() ([]byte, error) { return content, nil })
		})
		open.onEscape = v.escape
		row.Add(container.NewHBox(open))
	}
}

// The trust list is read once per path and change of the file, not for every case
// shown: the national list is a megabyte of XML.
var trustCache struct {
	sync.Mutex
	path string
	mod  time.Time
	size int64
	list *signedfile.TrustList
	err  error
}

// officeTrust is the office's trust list (letter settings, trust_list); nil when none
// is set, and nil with the reason when it cannot be read. The signatures are then
// checked all the same, and the line says that the signer could not be verified.
func officeTrust(store *data.Store) (*signedfile.TrustList, error) {
	st, err := store.LetterSettings(context.Background())
	if err != nil || st.TrustList == "" {
		return nil, err
	}
	fi, err := os.Stat(st.TrustList)
	if err != nil {
		return nil, &data.Problem{Key: "case.signed_trust_unreadable", Args: map[string]string{"path": st.TrustList}, Err: err}
	}
	trustCache.Lock()
	defer trustCache.Unlock()
	if trustCache.path == st.TrustList && trustCache.mod.Equal(fi.ModTime()) && trustCache.size == fi.Size() {
		return trustCache.list, trustCache.err
	}
	tl, err := signedfile.LoadTrust(st.TrustList)
	trustCache.path, trustCache.mod, trustCache.size, trustCache.list, trustCache.err = st.TrustList, fi.ModTime(), fi.Size(), tl, err
	return tl, err
}
