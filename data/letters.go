package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // a scanned signature or a logo may be a JPEG
	_ "image/png"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LetterLanguage is the language of a reply letter: Italian, German, or both side by
// side, as bilingual acts are written in South Tyrol.
type LetterLanguage string

const (
	LetterItalian LetterLanguage = "it"
	LetterGerman  LetterLanguage = "de"
	LetterBoth    LetterLanguage = "both"
)

// Valid reports whether l is it, de or both.
func (l LetterLanguage) Valid() bool {
	return l == LetterItalian || l == LetterGerman || l == LetterBoth
}

// Languages are the languages the letter is written in; a bilingual letter has German
// first (on the left), as in the provincial administration's letterhead.
func (l LetterLanguage) Languages() []Language {
	if l == LetterBoth {
		return []Language{German, Italian}
	}
	return []Language{Language(l)}
}

// LetterStatus is how far a letter has come: issued (kept in the register), printed, sent.
type LetterStatus string

const (
	LetterIssued  LetterStatus = "issued"
	LetterPrinted LetterStatus = "printed"
	LetterSent    LetterStatus = "sent"
)

// Audit actions of letters. They go through the write path like any change of a case,
// so the case's history says when its letter was issued, printed and sent.
const (
	ActionLetter      = "letter"
	ActionLetterPrint = "letter_print"
	ActionLetterSent  = "letter_sent"
	// ActionLetterUnsent takes back a sending recorded by mistake (the same day only).
	ActionLetterUnsent = "letter_unsent"
)

// LetterActionKeys are the translation keys under which the history shows those actions.
var LetterActionKeys = map[string]string{
	ActionLetter: "action.letter", ActionLetterPrint: "action.letter_print", ActionLetterSent: "action.letter_sent",
	ActionLetterUnsent: "action.letter_unsent",
}

// MaxLetter bounds a letter's PDF; a reply of a few pages is tens of kilobytes.
const MaxLetter = 20 << 20

// Letter is an issued reply letter, kept in the register.
type Letter struct {
	ID       string         `json:"id"`
	CaseID   string         `json:"case_id"`
	Number   string         `json:"number"`
	Language LetterLanguage `json:"language"`
	IssuedAt time.Time      `json:"issued_at"`
	IssuedBy string         `json:"issued_by"`
	SHA256   string         `json:"sha256"`
	Size     int64          `json:"size"`
	// Signer is the signing certificate's name; empty for an unsigned letter.
	Signer    string       `json:"signer"`
	PrintedAt *time.Time   `json:"printed_at"`
	Prints    int          `json:"prints"`
	SentAt    *time.Time   `json:"sent_at"`
	SentVia   string       `json:"sent_via"`
	Status    LetterStatus `json:"status"`
}

func (l *Letter) status() LetterStatus {
	switch {
	case l.SentAt != nil:
		return LetterSent
	case l.Prints > 0:
		return LetterPrinted
	}
	return LetterIssued
}

// LetterRender makes the letter's PDF for case c. It runs inside the write transaction,
// after the letter's number, date and language are fixed and before anything is stored,
// so that a failure (a signature refused) leaves no trace. It may set l.Signer.
type LetterRender func(c *Case, l *Letter) ([]byte, error)

// LetterRequest asks for a letter.
type LetterRequest struct {
	// Language: empty takes the citizen's language, else the reply's, else both.
	Language LetterLanguage
	// Reply is recorded first when the case has no reply yet (the case becomes
	// answered), in ReplyLanguage: the letter is the written reply.
	Reply         string
	ReplyLanguage Language
	Render        LetterRender
}

// IssueLetter makes and keeps a reply letter for a case: the PDF's bytes go into the
// register (once per SHA-256), the letter gets its protocol number (the case's number
// and the letter's place, BZ-2026-000017/1), and the case's audit trail records the
// issue with the PDF's SHA-256, in this one transaction. The case needs its reply: the
// recorded one, or req.Reply, recorded now.
func (t *Tx) IssueLetter(ref Ref, req LetterRequest) (*Letter, error) {
	c, l, err := t.DraftLetter(ref, req)
	if err != nil {
		return nil, err
	}
	pdf, err := req.Render(c, l)
	if err != nil {
		if _, ok := AsProblem(err); ok {
			return nil, err
		}
		return nil, &Problem{Key: "letter.err_render", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	return l, t.KeepLetter(l, pdf)
}

// DraftLetter is the first half of IssueLetter, for batches that make the PDFs of many
// letters side by side: it records the reply if needed and fixes the letter's number,
// date and language, but keeps nothing of the letter until KeepLetter. (req.Render is
// not used.) A case's next draft must wait for its previous one to be kept.
func (t *Tx) DraftLetter(ref Ref, req LetterRequest) (*Case, *Letter, error) {
	lang := req.Language
	if lang != "" && !lang.Valid() {
		return nil, nil, Problemf("letter.err_language", "language", string(lang))
	}
	old, err := t.get(ref)
	if err != nil {
		return nil, nil, err
	}
	if lang == "" {
		lang = LetterLanguage(old.Citizen.Language)
		if lang == "" {
			lang = LetterLanguage(old.Reply.Language)
		}
		if lang == "" {
			lang = LetterBoth // South Tyrol's safe choice when the citizen's language is not known
		}
	}
	reply := strings.TrimSpace(req.Reply)
	switch {
	case reply != "" && strings.TrimSpace(old.Reply.Text) == "":
		rl := req.ReplyLanguage
		if rl == "" && lang != LetterBoth {
			rl = Language(lang)
		}
		if rl == "" {
			rl = old.Citizen.Language
		}
		if rl == "" {
			rl = Italian
		}
		if old, err = t.Reply(ref, reply, rl, time.Time{}); err != nil {
			return nil, nil, err
		}
	case reply != "" && reply != strings.TrimSpace(old.Reply.Text):
		return nil, nil, Problemf("letter.err_reply_recorded", "number", old.Number)
	case strings.TrimSpace(old.Reply.Text) == "":
		return nil, nil, Problemf("letter.err_no_reply", "number", old.Number)
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM letters WHERE case_id = ?`, old.ID).Scan(&n); err != nil {
		return nil, nil, t.writeErr(err)
	}
	l := &Letter{ID: t.s.ids.NewID(), CaseID: old.ID, Number: old.Number + "/" + strconv.Itoa(n+1), Language: lang,
		IssuedAt: t.Now().Truncate(time.Second), IssuedBy: t.s.actor, Status: LetterIssued}
	return old, l, nil
}

// KeepLetter keeps a drafted letter's PDF and writes its issue through the case's write
// path (audit entry with the SHA-256, change-log operation).
func (t *Tx) KeepLetter(l *Letter, pdf []byte) error {
	if len(pdf) == 0 || len(pdf) > MaxLetter {
		return Problemf("letter.err_size", "max", strconv.Itoa(MaxLetter>>20))
	}
	old, err := t.get(l.CaseID)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(pdf)
	l.SHA256, l.Size, l.Status = hex.EncodeToString(sum[:]), int64(len(pdf)), LetterIssued
	if _, err := t.exec(`INSERT INTO blobs(sha256, content) VALUES (?, ?) ON CONFLICT DO NOTHING`, l.SHA256, pdf); err != nil {
		return t.writeErr(err)
	}
	if _, err := t.exec(`INSERT INTO letters(id, case_id, number, language, issued_at, issued_date, issued_by, sha256, size, signer)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, l.ID, l.CaseID, l.Number, string(l.Language), formatTime(l.IssuedAt),
		Today(l.IssuedAt), l.IssuedBy, l.SHA256, l.Size, l.Signer); err != nil {
		return t.writeErr(err)
	}
	next := *old
	desc := strings.Join([]string{l.ID, l.Number, string(l.Language), strconv.FormatInt(l.Size, 10), l.SHA256, l.Signer}, "|")
	return t.apply(ActionLetter, old, &next, "", map[string]string{"letter": desc})
}

// MarkLetterPrinted records that a letter went to a printer (queue names it); printing
// again counts again. The audit entry names the SHA-256 printed, which is the issued one.
func (t *Tx) MarkLetterPrinted(ref string, queue string) (*Letter, error) {
	l, err := t.letter(ref)
	if err != nil {
		return nil, err
	}
	now := t.Now().Truncate(time.Millisecond)
	if _, err := t.exec(`UPDATE letters SET printed_at = ?, prints = prints + 1 WHERE id = ?`, formatTime(now), l.ID); err != nil {
		return nil, t.writeErr(err)
	}
	l.PrintedAt, l.Prints = &now, l.Prints+1
	l.Status = l.status()
	return l, t.letterEvent(l, ActionLetterPrint, "letter_printed", queue)
}

// MarkLetterSent records that a letter left the office (by post, PEC, e-mail, by hand:
// via says how). A letter is sent once.
func (t *Tx) MarkLetterSent(ref string, at time.Time, via string) (*Letter, error) {
	l, err := t.letter(ref)
	if err != nil {
		return nil, err
	}
	if l.SentAt != nil {
		return nil, Problemf("letter.err_already_sent", "number", l.Number, "date", l.SentAt.In(Rome).Format(dateLayout))
	}
	if at.IsZero() {
		at = t.Now()
	}
	at = at.Truncate(time.Millisecond)
	if at.After(t.Now().Add(futureSlack)) {
		return nil, Problemf("err.future", "value", at.In(Rome).Format(time.RFC3339))
	}
	if at.Before(l.IssuedAt) {
		return nil, Problemf("letter.err_sent_before_issue", "number", l.Number)
	}
	via = strings.TrimSpace(via)
	if _, err := t.exec(`UPDATE letters SET sent_at = ?, sent_via = ? WHERE id = ?`, formatTime(at), via, l.ID); err != nil {
		return nil, t.writeErr(err)
	}
	l.SentAt, l.SentVia = &at, via
	l.Status = l.status()
	return l, t.letterEvent(l, ActionLetterSent, "letter_sent", via)
}

// UnmarkLetterSent takes back the sending of a letter recorded by mistake (the wrong
// letter, the envelope still on the desk). It is allowed only on the civil day
// (Europe/Rome) the sending was recorded on: a letter recorded as sent yesterday has
// left the office, and its record stays. The undo is its own audit entry naming the way
// it had been recorded, so the history shows both.
func (t *Tx) UnmarkLetterSent(ref string) (*Letter, error) {
	l, err := t.letter(ref)
	if err != nil {
		return nil, err
	}
	if l.SentAt == nil {
		return nil, Problemf("letter.err_not_sent", "number", l.Number)
	}
	if Today(*l.SentAt) != Today(t.Now()) {
		return nil, Problemf("letter.err_unsend_late", "number", l.Number, "date", l.SentAt.In(Rome).Format(dateLayout))
	}
	via := l.SentVia
	if _, err := t.exec(`UPDATE letters SET sent_at = NULL, sent_via = '' WHERE id = ?`, l.ID); err != nil {
		return nil, t.writeErr(err)
	}
	l.SentAt, l.SentVia = nil, ""
	l.Status = l.status()
	return l, t.letterEvent(l, ActionLetterUnsent, "letter_unsent", via)
}

// letterEvent writes a letter's printing or sending through the case's write path.
func (t *Tx) letterEvent(l *Letter, action, field, detail string) error {
	old, err := t.get(l.CaseID)
	if err != nil {
		return err
	}
	next := *old
	return t.apply(action, old, &next, "", map[string]string{field: l.ID + "|" + l.Number + "|" + l.SHA256 + "|" + detail})
}

const letterColumns = `id, case_id, number, language, issued_at, issued_by, sha256, size, signer, printed_at, prints, sent_at, sent_via`

func scanLetter(r scanner) (*Letter, error) {
	var l Letter
	var lang, issued string
	var printed, sent sql.NullString
	if err := r.Scan(&l.ID, &l.CaseID, &l.Number, &lang, &issued, &l.IssuedBy, &l.SHA256, &l.Size, &l.Signer,
		&printed, &l.Prints, &sent, &l.SentVia); err != nil {
		return nil, err
	}
	l.Language = LetterLanguage(lang)
	var err error
	if l.IssuedAt, err = parseTime(issued); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		s   sql.NullString
		dst **time.Time
	}{{printed, &l.PrintedAt}, {sent, &l.SentAt}} {
		if p.s.Valid {
			tm, err := parseTime(p.s.String)
			if err != nil {
				return nil, err
			}
			*p.dst = &tm
		}
	}
	l.Status = l.status()
	return &l, nil
}

// letter finds a letter in the transaction by its id or number.
func (t *Tx) letter(ref string) (*Letter, error) {
	ref = strings.TrimSpace(ref)
	l, err := scanLetter(t.queryRow(`SELECT `+letterColumns+` FROM letters WHERE id = ? OR number = ?`, strings.ToLower(ref), strings.ToUpper(ref)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Problemf("letter.err_unknown", "ref", ref)
	}
	if err != nil {
		return nil, t.writeErr(err)
	}
	return l, nil
}

// GetLetter finds a letter by its id or its number (BZ-2026-000017/1).
func (s *Store) GetLetter(ctx context.Context, ref string) (*Letter, error) {
	ref = strings.TrimSpace(ref)
	l, err := scanLetter(s.db.QueryRowContext(ctx, `SELECT `+letterColumns+` FROM letters WHERE id = ? OR number = ?`,
		strings.ToLower(ref), strings.ToUpper(ref)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Problemf("letter.err_unknown", "ref", ref)
	}
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	return l, nil
}

// Letters lists a case's letters, oldest first; the last one is the case's letter status.
func (s *Store) Letters(ctx context.Context, caseID string) ([]*Letter, error) {
	return s.queryLetters(ctx, `SELECT `+letterColumns+` FROM letters WHERE case_id = ? ORDER BY issued_at, number`, caseID)
}

// LettersIssuedOn lists the letters issued on a civil day (YYYY-MM-DD, Europe/Rome), in
// the order they were issued: the day's batch for the printer.
func (s *Store) LettersIssuedOn(ctx context.Context, day string) ([]*Letter, error) {
	if !validDate(day) {
		return nil, Problemf("err.date", "value", day)
	}
	return s.queryLetters(ctx, `SELECT `+letterColumns+` FROM letters WHERE issued_date = ? ORDER BY issued_at, number`, day)
}

func (s *Store) queryLetters(ctx context.Context, q string, args ...any) ([]*Letter, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	out := []*Letter{}
	for rows.Next() {
		l, err := scanLetter(rows)
		if err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	return out, nil
}

// LetterPDF returns the letter exactly as issued. The bytes are checked against the
// SHA-256 recorded at issue, so a damaged archive is reported rather than printed.
func (s *Store) LetterPDF(ctx context.Context, l *Letter) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT content FROM blobs WHERE sha256 = ?`, l.SHA256).Scan(&b)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	if err == nil && len(b) == 0 && l.Size > 0 {
		// Its content went when the case was anonymised (data/privacy.go).
		return nil, Problemf("letter.err_anonymised", "number", l.Number)
	}
	if sum := sha256.Sum256(b); err != nil || hex.EncodeToString(sum[:]) != l.SHA256 {
		return nil, Problemf("letter.err_archive", "number", l.Number)
	}
	return b, nil
}

// Letter settings: who signs, the role, the place letters are dated from, the side of
// the envelope's window, the letterhead's logo and the scanned signature. Every one has
// a default, so the first letter needs no set-up.
const (
	SettingSigner           = "signer"
	SettingRoleIT           = "role_it"
	SettingRoleDE           = "role_de"
	SettingPlaceIT          = "place_it"
	SettingPlaceDE          = "place_de"
	SettingWindow           = "window"
	SettingContact          = "contact"
	SettingVisibleSignature = "visible_signature"
	SettingLogo             = "logo"
	SettingSignatureImage   = "signature_image"
	// SettingTSA is the address of an RFC 3161 time-stamping authority that stamps every
	// signed letter; empty: no time-stamp.
	SettingTSA = "tsa_url"
	// SettingPDFA "false" makes plain PDFs instead of PDF/A-2b (the default).
	SettingPDFA = "pdfa"
	// SettingTrustList is the path of the trust list signed files received are checked
	// against: a folder of CA certificates or the national trusted list (AgID's XML).
	SettingTrustList = "trust_list"
)

// LetterSettingKeys lists the settings; the two images are set with SetLetterImage.
var LetterSettingKeys = []string{SettingSigner, SettingRoleIT, SettingRoleDE, SettingPlaceIT, SettingPlaceDE,
	SettingWindow, SettingContact, SettingVisibleSignature, SettingLogo, SettingSignatureImage, SettingTSA, SettingPDFA, SettingTrustList}

// LetterSettings are the office's letter settings; an empty field takes the default.
type LetterSettings struct {
	Signer           string `json:"signer"`
	RoleIT           string `json:"role_it"`
	RoleDE           string `json:"role_de"`
	PlaceIT          string `json:"place_it"`
	PlaceDE          string `json:"place_de"`
	Window           string `json:"window"` // "left" (DIN 5008, the default) or "right"
	Contact          string `json:"contact"`
	VisibleSignature bool   `json:"visible_signature"`
	// Logo and SignatureImage are SHA-256s of PNG or JPEG files kept in the register.
	Logo           string `json:"logo"`
	SignatureImage string `json:"signature_image"`
	// TSA is the time-stamping authority's URL; empty: letters are not time-stamped.
	TSA string `json:"tsa_url"`
	// PDFA makes letters PDF/A-2b, the archival form; true unless set to "false".
	PDFA bool `json:"pdfa"`
	// TrustList is the path of the trust list (SettingTrustList); empty: none.
	TrustList string `json:"trust_list"`
}

// LetterSettings reads the settings.
func (s *Store) LetterSettings(ctx context.Context) (LetterSettings, error) {
	var out LetterSettings
	pdfa := ""
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM letter_settings`)
	if err != nil {
		return out, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return out, &Problem{Key: "err.read", Err: err}
		}
		switch k {
		case SettingSigner:
			out.Signer = v
		case SettingRoleIT:
			out.RoleIT = v
		case SettingRoleDE:
			out.RoleDE = v
		case SettingPlaceIT:
			out.PlaceIT = v
		case SettingPlaceDE:
			out.PlaceDE = v
		case SettingWindow:
			out.Window = v
		case SettingContact:
			out.Contact = v
		case SettingVisibleSignature:
			out.VisibleSignature = v == "true"
		case SettingLogo:
			out.Logo = v
		case SettingSignatureImage:
			out.SignatureImage = v
		case SettingTSA:
			out.TSA = v
		case SettingPDFA:
			pdfa = v
		case SettingTrustList:
			out.TrustList = v
		}
	}
	out.PDFA = pdfa != "false"
	if out.Window == "" {
		out.Window = "left"
	}
	return out, rows.Err()
}

// SetLetterSetting changes one letter setting (empty: back to the default); the change is
// audited like the office's other settings.
func (t *Tx) SetLetterSetting(key, value string) error {
	value = strings.TrimSpace(value)
	switch key {
	case SettingSigner, SettingRoleIT, SettingRoleDE, SettingPlaceIT, SettingPlaceDE, SettingContact:
		if utf8.RuneCountInString(value) > 200 || !utf8.ValidString(value) || strings.ContainsAny(value, "\n\r") {
			return Problemf("letter.err_setting_value", "name", key, "value", value)
		}
		value = CleanLine(value) // a line break is refused above; invisible junk is removed
	case SettingWindow:
		if value != "" && value != "left" && value != "right" {
			return Problemf("letter.err_setting_value", "name", key, "value", value)
		}
	case SettingVisibleSignature, SettingPDFA:
		if value != "" && value != "true" && value != "false" {
			return Problemf("letter.err_setting_value", "name", key, "value", value)
		}
	case SettingTSA:
		// http or https with a host; no user or password in it, since the settings'
		// changes are kept in the audit trail for every office to read
		u, err := url.Parse(value)
		if value != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(value) > 500) {
			return Problemf("letter.err_setting_value", "name", key, "value", value)
		}
	case SettingTrustList:
		if len(value) > 4096 || !utf8.ValidString(value) || strings.ContainsAny(value, "\x00\n\r") {
			return Problemf("letter.err_setting_value", "name", key, "value", value)
		}
	default:
		return Problemf("letter.err_setting", "name", key)
	}
	return t.putLetterSetting(key, value)
}

// SetLetterImage keeps the letterhead's logo or the scanned signature (PNG or JPEG, at
// most 2 MB); empty content removes it.
func (t *Tx) SetLetterImage(key string, content []byte) error {
	if key != SettingLogo && key != SettingSignatureImage {
		return Problemf("letter.err_setting", "name", key)
	}
	if len(content) == 0 {
		return t.putLetterSetting(key, "")
	}
	if _, format, err := image.DecodeConfig(bytes.NewReader(content)); err != nil || len(content) > 2<<20 || (format != "png" && format != "jpeg") {
		return Problemf("letter.err_image", "name", key)
	}
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	if _, err := t.exec(`INSERT INTO blobs(sha256, content) VALUES (?, ?) ON CONFLICT DO NOTHING`, sha, content); err != nil {
		return t.writeErr(err)
	}
	return t.putLetterSetting(key, sha)
}

func (t *Tx) putLetterSetting(key, value string) error {
	var old string
	err := t.queryRow(`SELECT value FROM letter_settings WHERE key = ?`, key).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return t.writeErr(err)
	}
	if old == value {
		return nil
	}
	if value == "" {
		_, err = t.exec(`DELETE FROM letter_settings WHERE key = ?`, key)
	} else {
		_, err = t.exec(`INSERT INTO letter_settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	}
	if err != nil {
		return t.writeErr(err)
	}
	return t.audit(t.Now(), &Case{}, "settings:"+t.s.local.Code, []FieldChange{{Field: "letter." + key, Old: old, New: value}}, "")
}

// Templates. A letter is put together from templates per language: the salutation (one
// for a named citizen, one for an anonymous item), the body of each kind (which places
// the clerk's reply with {reply}), the closing and the privacy note; reply phrases
// ("phrase.NAME") are ready-made paragraphs a clerk inserts into a reply.

// LetterPlaceholders are the names a template may use, as {name}.
var LetterPlaceholders = []string{"citizen", "number", "received", "date", "office", "signer", "role",
	"subject", "kind", "reply", "due"}

// Fixed template names; phrases are "phrase." and a name of letters, digits and _.
const (
	TemplateSalutation          = "salutation"
	TemplateSalutationAnonymous = "salutation_anonymous"
	TemplateClosing             = "closing"
	TemplatePrivacy             = "privacy"
	TemplateBodyPrefix          = "body."
	TemplatePhrasePrefix        = "phrase."
)

// LetterTemplateNames lists the fixed templates, bodies in the order of the kinds.
func LetterTemplateNames() []string {
	out := []string{TemplateSalutation, TemplateSalutationAnonymous}
	for _, k := range Kinds {
		out = append(out, TemplateBodyPrefix+string(k))
	}
	return append(out, TemplateClosing, TemplatePrivacy)
}

var phraseName = regexp.MustCompile(`^phrase\.[a-z0-9_]{1,40}$`)

func validTemplateName(name string) bool {
	if phraseName.MatchString(name) {
		return true
	}
	for _, n := range LetterTemplateNames() {
		if n == name {
			return true
		}
	}
	return false
}

var placeholderPattern = regexp.MustCompile(`\{([^{}]*)\}`)

// CheckTemplate refuses a template that would make a broken letter: an unknown
// placeholder (named in the message) or a brace that opens or closes nothing.
func CheckTemplate(text string) error {
	if !utf8.ValidString(text) {
		return Problemf("letter.err_template_syntax", "near", "")
	}
	known := map[string]bool{}
	for _, p := range LetterPlaceholders {
		known[p] = true
	}
	for _, m := range placeholderPattern.FindAllStringSubmatch(text, -1) {
		if !known[m[1]] {
			return Problemf("letter.err_placeholder", "name", "{"+m[1]+"}", "known", "{"+strings.Join(LetterPlaceholders, "}, {")+"}")
		}
	}
	if rest := placeholderPattern.ReplaceAllString(text, ""); strings.ContainsAny(rest, "{}") {
		i := strings.IndexAny(rest, "{}")
		near := []rune(rest[max(0, i-12):])
		return Problemf("letter.err_template_syntax", "near", strings.TrimSpace(string(near[:min(len(near), 24)])))
	}
	return nil
}

// ExpandTemplate fills a checked template's placeholders.
func ExpandTemplate(text string, values map[string]string) string {
	return placeholderPattern.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := values[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// TemplateKey names a template in one language.
type TemplateKey struct {
	Name     string
	Language Language
}

// LetterTemplates returns the office's own templates (the defaults are the printing
// package's).
func (s *Store) LetterTemplates(ctx context.Context) (map[TemplateKey]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, language, text FROM letter_templates`)
	if err != nil {
		return nil, &Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	out := map[TemplateKey]string{}
	for rows.Next() {
		var k TemplateKey
		var lang, text string
		if err := rows.Scan(&k.Name, &lang, &text); err != nil {
			return nil, &Problem{Key: "err.read", Err: err}
		}
		k.Language = Language(lang)
		out[k] = text
	}
	return out, rows.Err()
}

// SetLetterTemplate saves the office's text for a template in one language; an empty
// text goes back to the default (or removes a phrase). A text with an unknown
// placeholder is refused now, not discovered in a letter later.
func (t *Tx) SetLetterTemplate(name string, lang Language, text string) error {
	name = strings.TrimSpace(name)
	if !validTemplateName(name) {
		return Problemf("letter.err_template_name", "name", name)
	}
	if !lang.Valid() {
		return Problemf("letter.err_language", "language", string(lang))
	}
	text = strings.TrimSpace(CleanText(text))
	if err := CheckTemplate(text); err != nil {
		return err
	}
	if len(text) > 20000 {
		return Problemf("letter.err_template_long", "max", "20000")
	}
	var old string
	err := t.queryRow(`SELECT text FROM letter_templates WHERE name = ? AND language = ?`, name, string(lang)).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return t.writeErr(err)
	}
	if old == text {
		return nil
	}
	if text == "" {
		_, err = t.exec(`DELETE FROM letter_templates WHERE name = ? AND language = ?`, name, string(lang))
	} else {
		_, err = t.exec(`INSERT INTO letter_templates(name, language, text) VALUES (?, ?, ?)
			ON CONFLICT(name, language) DO UPDATE SET text = excluded.text`, name, string(lang), text)
	}
	if err != nil {
		return t.writeErr(err)
	}
	field := fmt.Sprintf("letter.template.%s.%s", name, lang)
	return t.audit(t.Now(), &Case{}, "settings:"+t.s.local.Code, []FieldChange{{Field: field, Old: old, New: text}}, "")
}
