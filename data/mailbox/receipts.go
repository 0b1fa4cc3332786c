package mailbox

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"ascolto/data"
	"ascolto/data/mailin"
)

// Receipt is a PEC receipt of a letter this register sent, taken from the inbox and
// kept with the letter's case as proof.
type Receipt struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // accettazione, avvenuta-consegna, errore-consegna, …
	Letter string `json:"letter"`
	Case   string `json:"case"`
	// At is the time the provider certified.
	At time.Time `json:"at"`
	// Failed: the letter did not reach the citizen (non-acceptance, non-delivery, virus).
	Failed  bool   `json:"failed"`
	Problem string `json:"problem,omitempty"` // the provider's words for a failure
}

// failedReceipts are the receipt kinds that say a letter did not arrive.
var failedReceipts = map[string]bool{"non-accettazione": true, "errore-consegna": true,
	"preavviso-errore-consegna": true, "rilevazione-virus": true}

// letterOfMessageID is the letter id in a Message-ID Send made ("ascolto-ID@domain", or
// "ascolto-ID.rN@domain" for the N-th sending again after a failure).
func letterOfMessageID(id string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.Trim(strings.TrimSpace(id), "<>"), "ascolto-")
	if !ok {
		return "", false
	}
	letter, _, ok := strings.Cut(rest, "@")
	letter, _, _ = strings.Cut(letter, ".")
	return letter, ok && letter != ""
}

// takeReceipts keeps the receipts and bounces in the inbox that refer to letters of this
// register with their cases, raises an alert on the case for each that says the letter
// did not arrive, and marks and moves them on the server as registered messages are.
// Receipts of letters this register does not know stay for the workstation that sent
// them.
func (b *Box) takeReceipts(ctx context.Context, c *client.Client, validity uint32) ([]Receipt, []data.DeliveryAlert, error) {
	ids, err := b.ids()
	if err != nil {
		return nil, nil, err
	}
	var out []Receipt
	var alerts []data.DeliveryAlert
	selected := false
	for _, id := range ids {
		v, uid, _ := parseID(id)
		if v != validity {
			continue
		}
		raw, err := os.ReadFile(b.file(id))
		if err != nil {
			continue
		}
		n, ok := readNotice(raw)
		if !ok {
			continue
		}
		if n.at.IsZero() {
			n.at = b.Store.Now()
		}
		letterID, ok := letterOfMessageID(n.original)
		if !ok {
			continue
		}
		l, err := b.Store.GetLetter(ctx, letterID)
		if err != nil {
			continue // another register's letter
		}
		if !selected {
			if _, err := c.Select(b.Settings.Folder, false); err != nil {
				return out, alerts, &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": b.Settings.Folder}, Err: err}
			}
			if err := ensureFolder(c, b.Settings.MoveTo); err != nil {
				return out, alerts, err
			}
			selected = true
		}
		claimed, err := claim(c, uid)
		if err != nil {
			return out, alerts, serverProblem(b.Settings.IMAPHost, err)
		}
		if !claimed {
			os.Remove(b.file(id))
			continue
		}
		cs, err := b.Store.Get(ctx, l.CaseID)
		if err != nil {
			unclaim(c, uid)
			return out, alerts, err
		}
		var raised bool
		err = b.Store.Update(ctx, func(t *data.Tx) error {
			if known, err := t.CaseByMessage(n.keys); err != nil || known != nil {
				return err // the same notice again: kept already
			}
			name := n.prefix + "-" + strings.ReplaceAll(l.Number, "/", "-") + ".eml"
			if _, err := t.Attach(cs.Number, name, "message/rfc822", raw); err != nil {
				return err
			}
			if err := t.RecordMessage(cs.Number, n.keys); err != nil {
				return err
			}
			if !n.failed {
				return nil
			}
			var err error
			raised, err = t.RaiseDeliveryAlert(data.DeliveryAlert{ID: n.id, LetterID: l.ID, Kind: n.alert,
				To: n.to, Reason: n.problem, At: n.at})
			return err
		})
		if err != nil {
			unclaim(c, uid)
			return out, alerts, err
		}
		if raised {
			alerts = append(alerts, data.DeliveryAlert{ID: n.id, CaseID: cs.ID, Case: cs.Number, LetterID: l.ID, Letter: l.Number,
				Kind: n.alert, To: n.to, Reason: n.problem, At: n.at})
		}
		os.Remove(b.file(id))
		set := new(imap.SeqSet)
		set.AddNum(uid)
		if err := c.UidMove(set, b.Settings.MoveTo); err != nil {
			return out, alerts, serverProblem(b.Settings.IMAPHost, err)
		}
		out = append(out, Receipt{ID: id, Kind: n.kind, Letter: l.Number, Case: cs.Number, At: n.at,
			Failed: n.failed, Problem: n.problem})
	}
	return out, alerts, nil
}

// notice is a message about a letter this register may have sent: a PEC receipt or a
// bounce.
type notice struct {
	original string // the letter's Message-ID
	kind     string // the PEC receipt's kind, or "bounce"
	prefix   string // the start of the name it is kept under with the case
	keys     []data.MessageKey
	failed   bool
	alert    string // data.AlertPEC or data.AlertBounce
	id       string // the notice's own identifier, for one alert per notice
	to       string
	problem  string
	at       time.Time
}

// readNotice recognises a PEC receipt or a bounce.
func readNotice(raw []byte) (*notice, bool) {
	if msg, err := mailin.Parse(raw); err == nil && msg.Receipt != nil {
		kind := msg.Receipt.Kind
		id := msg.MessageID
		if id == "" {
			id = "pec-" + kind + "-" + msg.Receipt.MessageID
		}
		return &notice{original: msg.Receipt.MessageID, kind: kind, prefix: "pec-" + kind,
			keys: []data.MessageKey{{ID: msg.MessageID, Kind: data.MessageIDKey}}, failed: failedReceipts[kind],
			alert: data.AlertPEC, id: id, problem: msg.Receipt.Problem, at: msg.Receipt.At}, true
	}
	bn, ok := ReadBounce(raw)
	if !ok {
		return nil, false
	}
	kind := data.MessageIDKey
	if strings.HasPrefix(bn.ID, "sha256:") {
		kind = data.DigestKey
	}
	reason := bn.Reason
	if bn.Status != "" && !strings.Contains(reason, bn.Status) {
		reason = bn.Status + " " + reason
	}
	return &notice{original: bn.Original, kind: "bounce", prefix: "bounce", keys: []data.MessageKey{{ID: bn.ID, Kind: kind}},
		failed: true, alert: data.AlertBounce, id: bn.ID, to: bn.Recipient, problem: strings.TrimSpace(reason), at: bn.At}, true
}
