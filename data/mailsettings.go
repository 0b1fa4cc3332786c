package data

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MailSettings are how the office's mailbox is reached (data/mailbox): the IMAP server
// messages are read from, the SMTP submission server letters are sent through, the
// office's address, and the folders. The password is not among them: it never enters
// the register (the CLI reads it from ASCOLTO_MAIL_PASSWORD, the window from the
// operating system's credential store).
type MailSettings struct {
	IMAPHost string `json:"imap_host"`
	IMAPPort int    `json:"imap_port"`
	// IMAPSecurity is tls (port 993), starttls (143) or plain, which is allowed only to
	// the workstation itself (127.0.0.1, ::1): a password never crosses a network in clear.
	IMAPSecurity string `json:"imap_security"`
	SMTPHost     string `json:"smtp_host"`
	SMTPPort     int    `json:"smtp_port"`
	// SMTPSecurity is tls (465) or starttls (587); plain only to the workstation itself.
	SMTPSecurity string `json:"smtp_security"`
	// User is the login name; empty: the address.
	User    string `json:"user"`
	Address string `json:"address"`
	// PEC: the mailbox is a certified mailbox (posta elettronica certificata).
	PEC bool `json:"pec"`
	// Folder is read for new messages; MoveTo receives the registered ones; Sent keeps
	// the letters sent.
	Folder string `json:"folder"`
	MoveTo string `json:"move_to"`
	Sent   string `json:"sent"`
	// CAFile is an extra CA certificate (PEM) for an office with its own CA.
	CAFile string `json:"ca_file"`
}

// The meta keys the settings are kept under, in the order the audit lists them.
var mailSettingKeys = []string{"mail_imap_host", "mail_imap_port", "mail_imap_security", "mail_smtp_host",
	"mail_smtp_port", "mail_smtp_security", "mail_user", "mail_address", "mail_pec", "mail_folder",
	"mail_move_to", "mail_sent", "mail_ca_file"}

// Default folders: the inbox, a folder named for the program (the same word in Italian
// and German), and the usual name of the sent folder.
const (
	DefaultMailFolder = "INBOX"
	DefaultMailMoveTo = "Ascolto"
	DefaultMailSent   = "Sent"
)

func (m MailSettings) values() map[string]string {
	port := func(p int) string {
		if p == 0 {
			return ""
		}
		return strconv.Itoa(p)
	}
	pec := ""
	if m.PEC {
		pec = "true"
	}
	return map[string]string{"mail_imap_host": m.IMAPHost, "mail_imap_port": port(m.IMAPPort),
		"mail_imap_security": m.IMAPSecurity, "mail_smtp_host": m.SMTPHost, "mail_smtp_port": port(m.SMTPPort),
		"mail_smtp_security": m.SMTPSecurity, "mail_user": m.User, "mail_address": m.Address, "mail_pec": pec,
		"mail_folder": m.Folder, "mail_move_to": m.MoveTo, "mail_sent": m.Sent, "mail_ca_file": m.CAFile}
}

func mailSettingsFrom(v map[string]string) MailSettings {
	m := MailSettings{IMAPHost: v["mail_imap_host"], IMAPSecurity: v["mail_imap_security"], SMTPHost: v["mail_smtp_host"],
		SMTPSecurity: v["mail_smtp_security"], User: v["mail_user"], Address: v["mail_address"], PEC: v["mail_pec"] == "true",
		Folder: v["mail_folder"], MoveTo: v["mail_move_to"], Sent: v["mail_sent"], CAFile: v["mail_ca_file"]}
	m.IMAPPort, _ = strconv.Atoi(v["mail_imap_port"])
	m.SMTPPort, _ = strconv.Atoi(v["mail_smtp_port"])
	return m.WithDefaults()
}

// WithDefaults fills what was left empty: TLS, the standard ports, the usual folders.
func (m MailSettings) WithDefaults() MailSettings {
	if m.IMAPSecurity == "" {
		m.IMAPSecurity = "tls"
	}
	if m.SMTPSecurity == "" {
		m.SMTPSecurity = "starttls"
	}
	if m.IMAPPort == 0 {
		m.IMAPPort = map[string]int{"tls": 993, "starttls": 143, "plain": 143}[m.IMAPSecurity]
	}
	if m.SMTPPort == 0 {
		m.SMTPPort = map[string]int{"tls": 465, "starttls": 587, "plain": 587}[m.SMTPSecurity]
	}
	if m.Folder == "" {
		m.Folder = DefaultMailFolder
	}
	if m.MoveTo == "" {
		m.MoveTo = DefaultMailMoveTo
	}
	if m.Sent == "" {
		m.Sent = DefaultMailSent
	}
	return m
}

// Login is the name the servers are logged in with.
func (m MailSettings) Login() string {
	if m.User != "" {
		return m.User
	}
	return m.Address
}

// Configured says whether the mailbox can be used at all.
func (m MailSettings) Configured() bool {
	return m.IMAPHost != "" && m.SMTPHost != "" && m.Address != ""
}

// Loopback says whether host is the workstation itself, written as an address: a name
// such as localhost could be made to resolve elsewhere.
func Loopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Validate refuses settings that cannot work or would be unsafe.
func (m MailSettings) Validate() error {
	bad := func(name, value string) error { return Problemf("err.mailbox.setting", "name", name, "value", value) }
	for name, v := range map[string]string{"imap-host": m.IMAPHost, "smtp-host": m.SMTPHost} {
		if v != "" && (strings.ContainsAny(v, " /:\t\r\n@") && net.ParseIP(v) == nil || len(v) > 253) {
			return bad(name, v)
		}
	}
	for name, p := range map[string]int{"imap-port": m.IMAPPort, "smtp-port": m.SMTPPort} {
		if p < 1 || p > 65535 {
			return bad(name, strconv.Itoa(p))
		}
	}
	switch m.IMAPSecurity {
	case "tls", "starttls":
	case "plain":
		if !Loopback(m.IMAPHost) {
			return Problemf("err.mailbox.plain", "host", m.IMAPHost)
		}
	default:
		return bad("imap-security", m.IMAPSecurity)
	}
	switch m.SMTPSecurity {
	case "tls", "starttls":
	case "plain":
		if !Loopback(m.SMTPHost) {
			return Problemf("err.mailbox.plain", "host", m.SMTPHost)
		}
	default:
		return bad("smtp-security", m.SMTPSecurity)
	}
	if m.Address != "" && !ValidEmail(m.Address) {
		return bad("address", m.Address)
	}
	for name, v := range map[string]string{"user": m.User, "folder": m.Folder, "move-to": m.MoveTo, "sent": m.Sent, "ca-file": m.CAFile} {
		if !utf8.ValidString(v) || strings.ContainsAny(v, "\r\n\x00\"") || len(v) > 500 {
			return bad(name, v)
		}
	}
	if m.Folder == m.MoveTo {
		return bad("move-to", m.MoveTo)
	}
	return nil
}

// MailSettings reads the mailbox settings, with the defaults for what is not set.
func (s *Store) MailSettings(ctx context.Context) (MailSettings, error) {
	v, err := readMailSettings(ctxReader{ctx, s.db})
	if err != nil {
		return MailSettings{}, &Problem{Key: "err.read", Err: err}
	}
	return mailSettingsFrom(v), nil
}

func readMailSettings(q queryer) (map[string]string, error) {
	v := map[string]string{}
	for _, k := range mailSettingKeys {
		var s string
		err := q.QueryRow(`SELECT value FROM meta WHERE key = ?`, k).Scan(&s)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		v[k] = s
	}
	return v, nil
}

// SetMailSettings changes the mailbox settings (defaults filled in first); each change
// is audited like the office's other settings.
func (t *Tx) SetMailSettings(m MailSettings) error {
	m = m.WithDefaults()
	if err := m.Validate(); err != nil {
		return err
	}
	old, err := readMailSettings(txReader{t})
	if err != nil {
		return t.writeErr(err)
	}
	oldValues := mailSettingsFrom(old).values()
	next := m.values()
	var changes []FieldChange
	for _, k := range mailSettingKeys {
		if next[k] == oldValues[k] {
			continue
		}
		if _, err := t.exec(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, k, next[k]); err != nil {
			return t.writeErr(err)
		}
		changes = append(changes, FieldChange{Field: k, Old: oldValues[k], New: next[k]})
	}
	if len(changes) == 0 {
		return nil
	}
	return t.audit(t.Now(), &Case{}, "settings:"+t.s.local.Code, changes, "")
}
