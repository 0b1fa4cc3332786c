package ui

import (
	"context"
	"sync"
	"time"

	"ascolto/data"
	"ascolto/printing/signature"
)

// letterStamps keeps the time-stamp found in each archived letter, by the letter's
// SHA-256 (an archived file never changes, so neither does its time-stamp): the panel's
// status is redrawn often and the check reads the whole file. A zero time is a letter
// without one.
var letterStamps sync.Map // string → time.Time

// timestampText is the status's note of a signed letter's time-stamp ("timestamped at
// …"), as the signature check reads and verifies it from the archived file; empty for
// a letter without one, or one that cannot be read now (it is tried again next time).
func (p *LetterPanel) timestampText(l *data.Letter) string {
	if l.Signer == "" || l.SHA256 == "" {
		return ""
	}
	v, ok := letterStamps.Load(l.SHA256)
	if !ok {
		pdf, err := p.store.LetterPDF(context.Background(), l)
		if err != nil {
			return ""
		}
		var at time.Time
		if rep, err := signature.Check(pdf); err == nil {
			if ts := rep.Signatures[len(rep.Signatures)-1].Timestamp; ts != nil {
				at = ts.Time
			}
		}
		letterStamps.Store(l.SHA256, at)
		v = at
	}
	if at := v.(time.Time); !at.IsZero() {
		return " · " + p.t("letter.ui.timestamped", "date", formatDateTime(at.In(data.Rome), p.lang))
	}
	return ""
}
