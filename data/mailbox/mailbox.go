package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"ascolto/data"
	"ascolto/data/intake"
)

// Keywords Ascolto sets on the server. Registered marks a message another workstation
// must not take again; Sending and Sent mark the copy of a letter in the Sent folder
// before and after the submission server accepted it.
const (
	KeywordRegistered = "$AscoltoRegistered"
	KeywordSending    = "$AscoltoSending"
	KeywordSent       = "$AscoltoSent"
)

// MaxMessage is the largest message the inbox takes (a citizen's scans included); a
// larger one stays on the server and is named in the result of a fetch.
const MaxMessage = 50 << 20

// Box is the office's mailbox as one workstation uses it.
type Box struct {
	Store    *data.Store
	Settings data.MailSettings
	// Password is the login's password; it is never written anywhere.
	Password string
	// Dir keeps the messages fetched and not yet registered, one .eml file each.
	Dir     string
	Timeout time.Duration
	// ReleaseAfter: a message marked registered yet still in the folder read, unchanged
	// for this long since this workstation first saw it so, was left by a workstation
	// that stopped between the mark and the case; its mark is taken off so the message
	// is not lost. Zero: DefaultReleaseAfter.
	ReleaseAfter time.Duration
}

// DefaultReleaseAfter is far longer than a registration takes (a second or two), so a
// workstation still at work is never robbed of its claim.
const DefaultReleaseAfter = 15 * time.Minute

// Open is the mailbox of the register s as its settings describe it, logged in with
// password or, when that is empty, the one kept in the system's credential store.
func Open(ctx context.Context, s *data.Store, password string) (*Box, error) {
	ms, err := s.MailSettings(ctx)
	if err != nil {
		return nil, err
	}
	if !ms.Configured() {
		return nil, data.Problemf("err.mailbox.not_configured")
	}
	if password == "" {
		password, _ = StoredPassword(ms)
	}
	if password == "" {
		return nil, data.Problemf("err.mailbox.no_password", "name", PasswordEnv)
	}
	return &Box{Store: s, Settings: ms, Password: password, Dir: InboxDir(s)}, nil
}

// InboxDir is the folder beside the register that holds the messages fetched.
func InboxDir(s *data.Store) string { return s.Path() + ".inbox" }

// Step is one check of Test: which server, and what failed (nil: it works).
type Step struct {
	Server string // imap or smtp
	Addr   string
	Err    error
}

// Test connects to both servers as a fetch and a send would, and says of each what
// failed: the name, the port, the certificate, the login, the folder.
func (b *Box) Test(ctx context.Context) []Step {
	imapStep := Step{Server: "imap", Addr: b.imapEndpoint().addr()}
	if c, err := b.openIMAP(ctx); err != nil {
		imapStep.Err = err
	} else {
		if _, err := c.Select(b.Settings.Folder, true); err != nil {
			imapStep.Err = &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": b.Settings.Folder}, Err: err}
		} else {
			// The folders Ascolto writes to are made now if missing: a folder that
			// cannot be made is found at the test, not at the first registration.
			for _, f := range []string{b.Settings.MoveTo, b.Settings.Sent} {
				if err := ensureFolder(c, f); err != nil {
					imapStep.Err = err
					break
				}
			}
		}
		c.Logout()
	}
	smtpStep := Step{Server: "smtp", Addr: b.smtpEndpoint().addr()}
	if c, err := b.openSMTP(ctx); err != nil {
		smtpStep.Err = err
	} else {
		c.Quit()
	}
	return []Step{imapStep, smtpStep}
}

// Message is one message of the inbox, as the clerk sees it before registering it.
type Message struct {
	// ID names the message on the server: the folder's UIDVALIDITY and the message's UID.
	ID          string        `json:"id"`
	From        string        `json:"from"`
	FromName    string        `json:"from_name"`
	Subject     string        `json:"subject"`
	Date        time.Time     `json:"date"`
	Size        int           `json:"size"`
	Attachments []string      `json:"attachments"`
	Kind        data.Kind     `json:"kind"`
	Language    data.Language `json:"language"`
	Channel     data.Channel  `json:"channel"`
	Case        string        `json:"case,omitempty"` // the case the message already is
	Problem     *data.Problem `json:"-"`              // why it cannot be registered as it is
	Note        string        `json:"problem,omitempty"`
	raw         []byte        `json:"-"`
	mail        *intake.Mail  `json:"-"`
}

// FetchResult is what a fetch found.
type FetchResult struct {
	New    int       `json:"new"`     // messages downloaded now
	Gone   int       `json:"gone"`    // messages no longer in the folder (taken elsewhere)
	TooBig []string  `json:"too_big"` // ids of messages left on the server for their size
	Inbox  []Message `json:"inbox"`
	// Receipts are the PEC receipts of this register's letters, kept with their cases.
	Receipts []Receipt `json:"receipts"`
	// Alerts are the letters found now not to have reached the citizen (a bounce, a
	// PEC non-delivery): each case is in the overdue list until dealt with.
	Alerts []data.DeliveryAlert `json:"alerts"`
	// OpenAlerts are all the register's letters not delivered and not yet dealt with.
	OpenAlerts []data.DeliveryAlert `json:"open_alerts"`
	// Released are the messages whose mark a stopped workstation had left (ReleaseAfter):
	// they are in the inbox again.
	Released []string      `json:"released,omitempty"`
	Elapsed  time.Duration `json:"-"`
	// The folder as this fetch selected it, for Watch to notice a change since.
	uidNext, messages uint32
}

// Fetch downloads the messages of the folder that no workstation has registered yet,
// and forgets those another workstation took meanwhile. Running it again downloads
// nothing twice.
func (b *Box) Fetch(ctx context.Context) (*FetchResult, error) {
	start := time.Now()
	if err := data.MkdirPrivate(b.Dir); err != nil {
		return nil, &data.Problem{Key: "err.mailbox.inbox_dir", Args: map[string]string{"path": b.Dir}, Err: err}
	}
	c, err := b.openIMAP(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Logout()
	host := b.Settings.IMAPHost
	// Read-write: a claim left behind by a workstation that stopped is released here.
	mbox, err := c.Select(b.Settings.Folder, false)
	if err != nil {
		return nil, &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": b.Settings.Folder}, Err: err}
	}
	released, err := b.releaseOrphans(c, mbox.UidValidity)
	if err != nil {
		return nil, serverProblem(host, err)
	}
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{KeywordRegistered, imap.DeletedFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return nil, serverProblem(host, err)
	}
	res := &FetchResult{uidNext: mbox.UidNext, messages: mbox.Messages, Released: released}
	want := map[string]bool{}
	missing := new(imap.SeqSet)
	for _, u := range uids {
		id := messageID(mbox.UidValidity, u)
		want[id] = true
		if _, err := os.Stat(b.file(id)); err != nil {
			missing.AddNum(u)
		}
	}
	if !missing.Empty() {
		// Sizes first: a message too large for the inbox is not downloaded at all.
		sizes := make(chan *imap.Message, 16)
		done := make(chan error, 1)
		go func() { done <- c.UidFetch(missing, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, sizes) }()
		take := new(imap.SeqSet)
		for m := range sizes {
			if m.Size > MaxMessage {
				res.TooBig = append(res.TooBig, messageID(mbox.UidValidity, m.Uid))
				continue
			}
			take.AddNum(m.Uid)
		}
		if err := <-done; err != nil {
			return nil, serverProblem(host, err)
		}
		if !take.Empty() {
			section := &imap.BodySectionName{Peek: true}
			msgs := make(chan *imap.Message, 16)
			go func() { done <- c.UidFetch(take, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, msgs) }()
			var werr error
			for m := range msgs {
				body := m.GetBody(section)
				if body == nil || werr != nil {
					continue
				}
				raw, err := readAll(body)
				if err == nil {
					err = b.keep(messageID(mbox.UidValidity, m.Uid), raw)
				}
				if err != nil {
					werr = err
					continue
				}
				res.New++
			}
			if err := <-done; err != nil {
				return nil, serverProblem(host, err)
			}
			if werr != nil {
				return nil, &data.Problem{Key: "err.mailbox.inbox_dir", Args: map[string]string{"path": b.Dir}, Err: werr}
			}
		}
	}
	// What another workstation registered (or a person moved away) leaves the inbox.
	ids, err := b.ids()
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !want[id] {
			os.Remove(b.file(id))
			res.Gone++
		}
	}
	if res.Receipts, res.Alerts, err = b.takeReceipts(ctx, c, mbox.UidValidity); err != nil {
		return nil, err
	}
	if res.OpenAlerts, err = b.Store.OpenDeliveryAlerts(ctx); err != nil {
		return nil, err
	}
	res.Inbox, err = b.Inbox(ctx)
	res.Elapsed = time.Since(start)
	return res, err
}

func readAll(r interface{ Read([]byte) (int, error) }) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

func messageID(validity, uid uint32) string { return fmt.Sprintf("%d-%d", validity, uid) }

// parseID reads an id back; ok is false for anything that is not one.
func parseID(id string) (validity, uid uint32, ok bool) {
	a, b, found := strings.Cut(id, "-")
	if !found {
		return 0, 0, false
	}
	v, err1 := strconv.ParseUint(a, 10, 32)
	u, err2 := strconv.ParseUint(b, 10, 32)
	if err1 != nil || err2 != nil || u == 0 {
		return 0, 0, false
	}
	return uint32(v), uint32(u), true
}

func (b *Box) file(id string) string { return filepath.Join(b.Dir, id+".eml") }

// keep writes a message to the inbox folder whole or not at all, readable by its owner
// only (it holds a citizen's personal data), as the register's own files are.
func (b *Box) keep(id string, raw []byte) error {
	return data.WriteWhole(b.file(id), func(f *os.File) error {
		_, err := f.Write(raw)
		return err
	})
}

// ids are the messages in the inbox folder, oldest UID first.
func (b *Box) ids() ([]string, error) {
	entries, err := os.ReadDir(b.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &data.Problem{Key: "err.mailbox.inbox_dir", Args: map[string]string{"path": b.Dir}, Err: err}
	}
	var out []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".eml")
		if _, _, valid := parseID(id); ok && valid && e.Type().IsRegular() {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		_, a, _ := parseID(out[i])
		_, c, _ := parseID(out[j])
		return a < c
	})
	return out, nil
}

// Inbox lists the messages fetched and not yet registered here, each read as intake
// would register it: sender, subject, date, files, proposed kind and language, and the
// case it already is, if the register knows it.
func (b *Box) Inbox(ctx context.Context) ([]Message, error) {
	ids, err := b.ids()
	if err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(ids))
	for _, id := range ids {
		m, err := b.message(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, nil
}

// message reads one message of the inbox.
func (b *Box) message(ctx context.Context, id string) (*Message, error) {
	if _, _, ok := parseID(id); !ok {
		return nil, data.Problemf("err.mailbox.unknown_id", "id", id)
	}
	raw, err := os.ReadFile(b.file(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, data.Problemf("err.mailbox.unknown_id", "id", id)
	}
	if err != nil {
		return nil, &data.Problem{Key: "err.mailbox.inbox_dir", Args: map[string]string{"path": b.Dir}, Err: err}
	}
	m := &Message{ID: id, Size: len(raw), raw: raw}
	mail, err := intake.Read(mailName(id), raw, b.Store.Now())
	if err != nil {
		p, ok := data.AsProblem(err)
		if !ok {
			return nil, err
		}
		m.Problem = p
		return m, nil
	}
	m.mail = mail
	nc := mail.Proposal("")
	m.From, m.FromName, m.Subject, m.Date = nc.Citizen.Email, nc.Citizen.Name, nc.Subject, nc.ReceivedAt
	m.Kind, m.Language, m.Channel = nc.Kind, nc.Citizen.Language, nc.Channel
	for _, a := range mail.Message.Attachments {
		m.Attachments = append(m.Attachments, a.Name)
	}
	c, err := intake.Find(ctx, b.Store, mail)
	if err != nil {
		return nil, err
	}
	if c != nil {
		m.Case = c.Number
	}
	// A bounce left here is about a message this register did not send (another
	// register's letter, a clerk's own mail): it is no citizen's request.
	if bn, ok := ReadBounce(raw); ok && m.Case == "" {
		m.Problem = data.Problemf("err.delivery.bounce_not_ours", "message", bn.Original)
	}
	return m, nil
}

// mailName is the name the original is kept under with the case.
func mailName(id string) string { return "mail-" + id + ".eml" }

// Registered is what Register did.
type Registered struct {
	*intake.Result
	// Elsewhere: another workstation took the message from the server first; nothing
	// was registered here.
	Elsewhere bool
}

// Register makes the message id a case through intake, with opt, and marks it on the
// server: the keyword first, set on condition that nobody changed the message since it
// was looked at (CONDSTORE), so that of two workstations registering it at the same
// moment one only goes on; then, the case written, the move to the folder of registered
// messages. A message the register already holds is only marked.
func (b *Box) Register(ctx context.Context, id string, opt intake.Options) (*Registered, error) {
	m, err := b.message(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Problem != nil {
		return nil, m.Problem
	}
	validity, uid, _ := parseID(id)
	c, err := b.openIMAP(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Logout()
	host := b.Settings.IMAPHost
	mbox, err := c.Select(b.Settings.Folder, false)
	if err != nil {
		return nil, &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": b.Settings.Folder}, Err: err}
	}
	if mbox.UidValidity != validity {
		// The server renumbered the folder: the fetch must read it again.
		os.Remove(b.file(id))
		return nil, data.Problemf("err.mailbox.renumbered", "id", id)
	}
	if err := ensureFolder(c, b.Settings.MoveTo); err != nil {
		return nil, err
	}
	claimed, err := claim(c, uid)
	if err != nil {
		return nil, serverProblem(host, err)
	}
	if !claimed {
		os.Remove(b.file(id))
		if m.Case != "" {
			cs, err := intake.Find(ctx, b.Store, m.mail)
			if err != nil {
				return nil, err
			}
			return &Registered{Result: &intake.Result{Case: cs, Duplicate: true}}, nil
		}
		return &Registered{Elsewhere: true}, nil
	}
	res, err := intake.Register(ctx, b.Store, m.mail, m.mail.ProposalWith(opt))
	if err != nil {
		// Nothing was registered: the mark goes, for a later try here or elsewhere.
		unclaim(c, uid)
		return nil, err
	}
	os.Remove(b.file(id))
	set := new(imap.SeqSet)
	set.AddNum(uid)
	if err := c.UidMove(set, b.Settings.MoveTo); err != nil {
		// The case is registered and the message marked; only the tidying failed.
		return &Registered{Result: res}, serverProblem(host, err)
	}
	return &Registered{Result: res}, nil
}

// ensureFolder creates a folder that does not exist yet.
func ensureFolder(c *client.Client, name string) error {
	if _, err := c.Status(name, []imap.StatusItem{imap.StatusUidValidity}); err == nil {
		return nil
	}
	if err := c.Create(name); err != nil {
		if _, serr := c.Status(name, []imap.StatusItem{imap.StatusUidValidity}); serr == nil {
			return nil // another workstation made it meanwhile
		}
		return &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": name}, Err: err}
	}
	return nil
}

// claim sets the Registered keyword on one message of the selected folder and says
// whether this session set it. With CONDSTORE (RFC 7162) the keyword is stored only if
// the message is unchanged since its MODSEQ was read, so of two sessions one wins; a
// server without it is looked at first (a narrow window two workstations could share).
func claim(c *client.Client, uid uint32) (bool, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	condstore, err := c.Support("CONDSTORE")
	if err != nil {
		return false, err
	}
	items := []imap.FetchItem{imap.FetchUid, imap.FetchFlags}
	if condstore {
		items = append(items, "MODSEQ")
	}
	ch := make(chan *imap.Message, 1)
	if err := c.UidFetch(set, items, ch); err != nil {
		return false, err
	}
	var m *imap.Message
	for x := range ch {
		if x.Uid == uid {
			m = x
		}
	}
	if m == nil || hasFlag(m, KeywordRegistered) || hasFlag(m, imap.DeletedFlag) {
		return false, nil
	}
	if !condstore {
		return true, c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{KeywordRegistered}, nil)
	}
	modseq, ok := modSeq(m.Items["MODSEQ"])
	if !ok {
		return false, errors.New("the server gave no MODSEQ")
	}
	return claimSince(c, uid, modseq)
}

// claimSince sets the keyword if the message is unchanged since modseq, and says whether
// this session set it.
func claimSince(c *client.Client, uid uint32, modseq uint64) (bool, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	status, err := c.Execute(condStore{set, modseq, "+FLAGS.SILENT", KeywordRegistered}, nil)
	if err != nil {
		return false, err
	}
	if err := status.Err(); err != nil {
		return false, err
	}
	if status.Code == "MODIFIED" {
		return false, nil
	}
	// A UID that is gone (registered and moved by another workstation since it was
	// looked at) is stored into without complaint: OK, no MODIFIED. Only a message still
	// here with the keyword is one this session claimed, since a session that found it
	// unchanged was the first to set it.
	ch := make(chan *imap.Message, 1)
	if err := c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchFlags}, ch); err != nil {
		return false, err
	}
	still := false
	for x := range ch {
		if x.Uid == uid && hasFlag(x, KeywordRegistered) && !hasFlag(x, imap.DeletedFlag) {
			still = true
		}
	}
	return still, nil
}

// unclaim takes the keyword off again after a registration that failed.
func unclaim(c *client.Client, uid uint32) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	c.UidStore(set, imap.FormatFlagsOp(imap.RemoveFlags, true), []interface{}{KeywordRegistered}, nil)
}

// modSeq reads a FETCH MODSEQ value: a list of one number.
func modSeq(v interface{}) (uint64, bool) {
	list, ok := v.([]interface{})
	if !ok || len(list) != 1 {
		return 0, false
	}
	n, err := strconv.ParseUint(fmt.Sprint(list[0]), 10, 64)
	return n, err == nil && n > 0
}

// condStore is UID STORE uid (UNCHANGEDSINCE modseq) +FLAGS.SILENT (keyword), or
// -FLAGS.SILENT to take it off.
type condStore struct {
	set    *imap.SeqSet
	modseq uint64
	op     string
	flag   string
}

func (s condStore) Command() *imap.Command {
	return &imap.Command{Name: "UID", Arguments: []interface{}{imap.RawString("STORE"), s.set,
		[]interface{}{imap.RawString("UNCHANGEDSINCE"), imap.RawString(strconv.FormatUint(s.modseq, 10))},
		imap.RawString(s.op), []interface{}{imap.RawString(s.flag)}}}
}

// domain is the part of an address after @.
func domain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}
