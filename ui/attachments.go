package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// The files of a case as the Files tab lists them. A file added in another office
// travels through the shared folder after the case itself: until its content is here
// it is listed as arriving (greyed, with the office it comes from and why it is not
// here yet), never left out, so that a clerk does not take it for missing and ask the
// citizen again. A file of a case closed before this office took files stays with the
// other office, and the row says so.

// filesOfCase reads the files the Files tab lists (shownFiles).
func filesOfCase(ctx context.Context, store *data.Store, caseID string) ([]data.CaseFile, error) {
	all, err := store.CaseFiles(ctx, caseID)
	if err != nil {
		return nil, err
	}
	letters, err := store.Letters(ctx, caseID)
	if err != nil {
		return nil, err
	}
	inLetterTab := make(map[string]bool, len(letters))
	for _, l := range letters {
		inLetterTab[l.ID] = true
	}
	return shownFiles(all, inLetterTab), nil
}

// shownFiles are the files the Files tab lists: every attachment, and the letters the
// Letter tab does not list — those still arriving, and one from another office kept
// aside because its number is taken here (its content is here all the same).
func shownFiles(all []data.CaseFile, inLetterTab map[string]bool) []data.CaseFile {
	out := make([]data.CaseFile, 0, len(all))
	for _, f := range all {
		if f.Kind == data.FileKindLetter && inLetterTab[f.ID] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// attachmentOf is the arrived file as openFile takes it.
func attachmentOf(f data.CaseFile) data.Attachment {
	return data.Attachment{ID: f.ID, CaseID: f.CaseID, Name: f.Name, MIME: f.MIME, Size: f.Size, SHA256: f.SHA256, AddedAt: f.AddedAt}
}

// fileRow is one file of the case: its name, what is known of it, and Open for a file
// that is here.
func (v *CaseView) fileRow(f data.CaseFile) fyne.CanvasObject {
	lang := v.e.lang
	name := widget.NewLabel(f.Name)
	name.Truncation = fyne.TextTruncateEllipsis
	office := officeLabel(v.offices, f.Origin, lang)
	var metaText string
	switch {
	case f.Origin == "" || f.Origin == v.e.store.Local().Code:
		metaText = v.e.t("case.file_meta", "size", formatSize(f.Size, lang), "when", formatDateTime(f.AddedAt, lang))
	default:
		metaText = v.e.t("case.file_from", "size", formatSize(f.Size, lang), "when", formatDateTime(f.AddedAt, lang), "office", office)
	}
	meta := widget.NewLabel(metaText)
	meta.SizeName = theme.SizeNameCaptionText
	meta.Wrapping = fyne.TextWrapWord
	if f.Arrived {
		open := newButton(v.e.t("case.file_open"), theme.FileIcon(), func() { v.openFile(attachmentOf(f)) })
		open.onEscape = v.escape
		return container.NewBorder(nil, nil, nil, open, container.New(tightColumn{}, name, meta))
	}
	// Not here: greyed, said in words (not by colour alone), and nothing to open.
	name.Importance = widget.LowImportance
	why := widget.NewLabel(v.fileAbsence(f, office))
	why.SizeName = theme.SizeNameCaptionText
	why.Wrapping = fyne.TextWrapWord
	why.Importance = widget.LowImportance
	state := v.e.t("case.file_state_arriving")
	if f.State == data.FileNotTaken {
		state = v.e.t("case.file_state_not_taken")
	}
	badge := widget.NewLabel(state)
	badge.Importance = widget.LowImportance
	badge.TextStyle = fyne.TextStyle{Italic: true}
	return container.NewBorder(nil, nil, nil, badge, container.New(tightColumn{}, name, meta, why))
}

// lateFilePasses is when the exchange lists a file that has not come as late for the
// administrator (exchange.Config.FilesPasses, default): from then on the row says so.
const lateFilePasses = 60

// fileAbsence says why a file of the case is not here.
func (v *CaseView) fileAbsence(f data.CaseFile, office string) string {
	if f.State == data.FileNotTaken {
		return v.e.t("case.file_not_taken", "office", office)
	}
	why := v.arrivingReason(f, office)
	if f.Passes >= lateFilePasses {
		why += " " + v.e.t("case.file_late", "n", formatNumber(f.Passes, v.e.lang), "office", office)
	}
	return why
}

func (v *CaseView) arrivingReason(f data.CaseFile, office string) string {
	switch f.Reason {
	case "missing":
		return v.e.t("case.file_arriving_missing", "office", office)
	case "size":
		return v.e.t("case.file_arriving_incomplete", "office", office)
	case "hash":
		return v.e.t("case.file_arriving_damaged", "office", office)
	case "unreadable":
		return v.e.t("case.file_arriving_unreadable", "office", office)
	case "budget":
		return v.e.t("case.file_arriving_budget", "office", office)
	}
	return v.e.t("case.file_arriving", "office", office)
}
