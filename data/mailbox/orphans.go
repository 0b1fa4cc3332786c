package mailbox

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"ascolto/data"
	"ascolto/data/intake"
)

// A workstation that stops (a crash, a power cut) between setting the keyword
// $AscoltoRegistered and writing the case leaves a message that every workstation takes
// for registered: it stays in the folder read and would be lost. The server keeps no
// time of a keyword, and a keyword per time would soon exceed what servers keep per
// folder (Dovecot's Maildir: 26), so each workstation notes when it first saw a marked
// message still in the folder, and at which MODSEQ. Unchanged after ReleaseAfter, the
// mark is taken off (on condition that the message is still unchanged): the message is
// in the inbox again. A registration takes a second or two, so a workstation at work
// never loses its claim; a case written whose move alone failed shows, at the next
// fetch, as "already registered" and is only marked and moved when registered again.
//
// A marked message whose case this register holds (the workstation wrote the case and
// the move failed: a server restarted, a connection broke) is moved at once by this
// workstation's next fetch: it is never offered again, here or elsewhere.

// orphansFile keeps the sightings beside the inbox's messages (not a .eml: no message).
const orphansFile = "claims.json"

type sighting struct {
	Seen   time.Time `json:"seen"`
	ModSeq uint64    `json:"modseq"`
}

func (b *Box) releaseAfter() time.Duration {
	if b.ReleaseAfter > 0 {
		return b.ReleaseAfter
	}
	return DefaultReleaseAfter
}

func (b *Box) readSightings() map[string]sighting {
	out := map[string]sighting{}
	raw, err := os.ReadFile(filepath.Join(b.Dir, orphansFile))
	if err == nil {
		// A damaged file only restarts the waiting: it is rewritten below.
		json.Unmarshal(raw, &out)
	}
	return out
}

func (b *Box) writeSightings(seen map[string]sighting) error {
	path := filepath.Join(b.Dir, orphansFile)
	if len(seen) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	raw, err := json.Marshal(seen)
	if err != nil {
		return err
	}
	return data.WriteWhole(path, func(f *os.File) error {
		_, err := f.Write(raw)
		return err
	})
}

// releaseOrphans takes the mark off the messages of the selected folder (selected
// read-write) left marked and unchanged for ReleaseAfter, and names them.
func (b *Box) releaseOrphans(c *client.Client, validity uint32) ([]string, error) {
	crit := imap.NewSearchCriteria()
	crit.WithFlags = []string{KeywordRegistered}
	crit.WithoutFlags = []string{imap.DeletedFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return nil, err
	}
	seen := b.readSightings()
	next := map[string]sighting{}
	var released []string
	if len(uids) > 0 {
		condstore, err := c.Support("CONDSTORE")
		if err != nil {
			return nil, err
		}
		set := new(imap.SeqSet)
		set.AddNum(uids...)
		section := &imap.BodySectionName{Peek: true}
		items := []imap.FetchItem{imap.FetchUid, imap.FetchFlags, imap.FetchRFC822Size, imap.FetchEnvelope}
		if condstore {
			items = append(items, "MODSEQ")
		}
		ch := make(chan *imap.Message, 16)
		done := make(chan error, 1)
		go func() { done <- c.UidFetch(set, items, ch) }()
		var marked []*imap.Message
		for m := range ch {
			if hasFlag(m, KeywordRegistered) && !hasFlag(m, imap.DeletedFlag) {
				marked = append(marked, m)
			}
		}
		if err := <-done; err != nil {
			return nil, err
		}
		modseqs := map[uint32]uint64{}
		var fresh []*imap.Message
		for _, m := range marked {
			if condstore {
				v, ok := modSeq(m.Items["MODSEQ"])
				if !ok {
					return nil, errors.New("the server gave no MODSEQ")
				}
				modseqs[m.Uid] = v
			}
			if prev, known := seen[messageID(validity, m.Uid)]; !known || prev.ModSeq != modseqs[m.Uid] {
				fresh = append(fresh, m)
			}
		}
		// Only a message marked since the last look is read whole: a mark this
		// workstation set and whose case it wrote is new to it by then.
		mine, err := b.registeredHere(c, fresh, section)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		for _, m := range marked {
			id := messageID(validity, m.Uid)
			if mine[m.Uid] {
				continue // moved away by registeredHere
			}
			modseq := modseqs[m.Uid]
			prev, known := seen[id]
			if !known || prev.ModSeq != modseq || now.Before(prev.Seen) {
				next[id] = sighting{Seen: now, ModSeq: modseq}
				continue
			}
			if now.Sub(prev.Seen) < b.releaseAfter() {
				next[id] = prev
				continue
			}
			one := new(imap.SeqSet)
			one.AddNum(m.Uid)
			if m.Envelope != nil && m.Envelope.MessageId != "" {
				moved, err := b.finishMove(c, m.Envelope.MessageId, one)
				if err != nil {
					return nil, err
				}
				if moved {
					continue
				}
			}
			if !condstore {
				if err := c.UidStore(one, imap.FormatFlagsOp(imap.RemoveFlags, true), []interface{}{KeywordRegistered}, nil); err != nil {
					return nil, err
				}
				released = append(released, id)
				continue
			}
			status, err := c.Execute(condStore{one, modseq, "-FLAGS.SILENT", KeywordRegistered}, nil)
			if err != nil {
				return nil, err
			}
			if err := status.Err(); err != nil {
				return nil, err
			}
			if status.Code == "MODIFIED" {
				continue // someone is at it after all: seen afresh at the next fetch
			}
			released = append(released, id)
		}
	}
	if len(seen) > 0 || len(next) > 0 {
		if err := b.writeSightings(next); err != nil {
			return nil, &data.Problem{Key: "err.mailbox.inbox_dir", Args: map[string]string{"path": b.Dir}, Err: err}
		}
	}
	return released, nil
}

// finishMove looks for the message (by its Message-ID) in the folder of registered
// messages. A copy there proves that a workstation wrote the case: a message is moved
// only after that, and a server stopped in the middle of a MOVE (copied, not yet
// expunged) leaves it in both folders. The move is then finished here (the message
// expunged from the folder read) instead of the mark taken off, which would make a
// second case. The folder read is selected again (read-write) at the end.
func (b *Box) finishMove(c *client.Client, messageID string, one *imap.SeqSet) (bool, error) {
	var uids []uint32
	if _, err := c.Select(b.Settings.MoveTo, true); err == nil {
		crit := imap.NewSearchCriteria()
		crit.Header.Add("Message-Id", messageID)
		uids, err = c.UidSearch(crit)
		if err != nil {
			return false, err
		}
	}
	if _, err := c.Select(b.Settings.Folder, false); err != nil {
		return false, err
	}
	if len(uids) == 0 {
		return false, nil
	}
	if err := c.UidStore(one, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{imap.DeletedFlag}, nil); err != nil {
		return false, err
	}
	status, err := c.Execute(uidExpunge{one}, nil)
	if err != nil {
		return false, err
	}
	return true, status.Err()
}

// uidExpunge is UID EXPUNGE (UIDPLUS, RFC 4315): only this message goes, not others a
// person marked deleted.
type uidExpunge struct{ set *imap.SeqSet }

func (x uidExpunge) Command() *imap.Command {
	return &imap.Command{Name: "UID", Arguments: []interface{}{imap.RawString("EXPUNGE"), x.set}}
}

// registeredHere moves the marked messages whose case this register holds to the
// folder of registered messages, and names them.
func (b *Box) registeredHere(c *client.Client, marked []*imap.Message, section *imap.BodySectionName) (map[uint32]bool, error) {
	want := new(imap.SeqSet)
	for _, m := range marked {
		if m.Size <= MaxMessage {
			want.AddNum(m.Uid)
		}
	}
	mine := map[uint32]bool{}
	if want.Empty() {
		return mine, nil
	}
	ch := make(chan *imap.Message, 4)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(want, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
	move := new(imap.SeqSet)
	for m := range ch {
		body := m.GetBody(section)
		if body == nil {
			continue
		}
		raw, err := readAll(body)
		if err != nil {
			continue
		}
		mail, err := intake.Read(mailName(messageID(0, m.Uid)), raw, b.Store.Now())
		if err != nil {
			continue
		}
		if cs, err := intake.Find(context.Background(), b.Store, mail); err == nil && cs != nil {
			mine[m.Uid] = true
			move.AddNum(m.Uid)
		}
	}
	if err := <-done; err != nil {
		return nil, err
	}
	if move.Empty() {
		return mine, nil
	}
	if err := ensureFolder(c, b.Settings.MoveTo); err != nil {
		return nil, err
	}
	return mine, c.UidMove(move, b.Settings.MoveTo)
}
