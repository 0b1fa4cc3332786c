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

// letterOfMessageID is the letter id in a Message-ID Send made ("ascolto-ID@domain").
func letterOfMessageID(id string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.Trim(strings.TrimSpace(id), "<>"), "ascolto-")
	if !ok {
		return "", false
	}
	letter, _, ok := strings.Cut(rest, "@")
	return letter, ok && letter != ""
}

// takeReceipts keeps the receipts in the inbox that refer to letters of this register
// with their cases, and marks and moves them on the server as registered messages are.
// Receipts of letters this register does not know stay for the workstation that sent
// them.
func (b *Box) takeReceipts(ctx context.Context, c *client.Client, validity uint32) ([]Receipt, error) {
	ids, err := b.ids()
	if err != nil {
		return nil, err
	}
	var out []Receipt
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
		msg, err := mailin.Parse(raw)
		if err != nil || msg.Receipt == nil {
			continue
		}
		letterID, ok := letterOfMessageID(msg.Receipt.MessageID)
		if !ok {
			continue
		}
		l, err := b.Store.GetLetter(ctx, letterID)
		if err != nil {
			continue // another register's letter
		}
		if !selected {
			if _, err := c.Select(b.Settings.Folder, false); err != nil {
				return out, &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": b.Settings.Folder}, Err: err}
			}
			if err := ensureFolder(c, b.Settings.MoveTo); err != nil {
				return out, err
			}
			selected = true
		}
		claimed, err := claim(c, uid)
		if err != nil {
			return out, serverProblem(b.Settings.IMAPHost, err)
		}
		if !claimed {
			os.Remove(b.file(id))
			continue
		}
		kind := msg.Receipt.Kind
		keys := []data.MessageKey{{ID: msg.MessageID, Kind: data.MessageIDKey}}
		cs, err := b.Store.Get(ctx, l.CaseID)
		if err != nil {
			unclaim(c, uid)
			return out, err
		}
		err = b.Store.Update(ctx, func(t *data.Tx) error {
			if known, err := t.CaseByMessage(keys); err != nil || known != nil {
				return err // the same receipt again: kept already
			}
			name := "pec-" + kind + "-" + strings.ReplaceAll(l.Number, "/", "-") + ".eml"
			if _, err := t.Attach(cs.Number, name, "message/rfc822", raw); err != nil {
				return err
			}
			return t.RecordMessage(cs.Number, keys)
		})
		if err != nil {
			unclaim(c, uid)
			return out, err
		}
		os.Remove(b.file(id))
		set := new(imap.SeqSet)
		set.AddNum(uid)
		if err := c.UidMove(set, b.Settings.MoveTo); err != nil {
			return out, serverProblem(b.Settings.IMAPHost, err)
		}
		out = append(out, Receipt{ID: id, Kind: kind, Letter: l.Number, Case: cs.Number, At: msg.Receipt.At,
			Failed: failedReceipts[kind], Problem: msg.Receipt.Problem})
	}
	return out, nil
}
