// Package data is Ascolto's register: the domain of cases, the SQLite store, the one
// write path (validate → row → audit entry → change-log operation, in one transaction),
// protocol numbers, deadlines, search, the audit trail and the change log that the
// exchange between offices carries.
package data

import (
	"net/mail"
	"strings"
	"time"
	_ "time/tzdata" // the register works in Europe/Rome even where the OS ships no zone data (Windows)
)

// Kind is what a citizen brought: the six kinds the offices count separately.
type Kind string

const (
	KindRequest    Kind = "request"
	KindProposal   Kind = "proposal"
	KindReport     Kind = "report"
	KindSuggestion Kind = "suggestion"
	KindComplaint  Kind = "complaint"
	KindPraise     Kind = "praise"
)

// Kinds lists every kind in the order the offices present them.
var Kinds = []Kind{KindRequest, KindProposal, KindReport, KindSuggestion, KindComplaint, KindPraise}

// Channel is how the item reached the office.
type Channel string

const (
	ChannelCounter Channel = "counter"
	ChannelEmail   Channel = "email"
	ChannelPEC     Channel = "pec"
	ChannelPhone   Channel = "phone"
	ChannelLetter  Channel = "letter"
	ChannelOther   Channel = "other"
)

// Channels lists every channel.
var Channels = []Channel{ChannelCounter, ChannelEmail, ChannelPEC, ChannelPhone, ChannelLetter, ChannelOther}

// Status is where a case stands on its way to the written reply.
type Status string

const (
	StatusReceived   Status = "received"
	StatusInProgress Status = "in_progress"
	StatusWaiting    Status = "waiting"
	StatusAnswered   Status = "answered"
	StatusClosed     Status = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusReceived, StatusInProgress, StatusWaiting, StatusAnswered, StatusClosed}

// transitions holds the allowed moves. A reply is the only way to "answered" (it needs the
// text), "waiting" stops the deadline clock, and "closed" is final: a closed case that needs
// more work is a new case, so the statistics of the first one do not change afterwards.
var transitions = map[Status][]Status{
	StatusReceived:   {StatusInProgress, StatusWaiting, StatusAnswered},
	StatusInProgress: {StatusWaiting, StatusAnswered},
	StatusWaiting:    {StatusInProgress, StatusAnswered},
	StatusAnswered:   {StatusClosed},
	StatusClosed:     nil,
}

// CanMove reports whether a case may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// NextStatuses lists the statuses a case in status s may move to.
func NextStatuses(s Status) []Status { return append([]Status(nil), transitions[s]...) }

// Open reports whether the deadline clock runs for a case in this status. "waiting" is
// not open: the office waits for the citizen and the clock stops.
func (s Status) Open() bool { return s == StatusReceived || s == StatusInProgress }

// Language is a citizen's (and a reply's) language: Italian or German, equal by law.
type Language string

const (
	Italian Language = "it"
	German  Language = "de"
)

// Languages lists the citizens' languages.
var Languages = []Language{Italian, German}

func valid[T ~string](v T, all []T) bool {
	for _, a := range all {
		if a == v {
			return true
		}
	}
	return false
}

// Valid reports whether k is one of the six kinds.
func (k Kind) Valid() bool { return valid(k, Kinds) }

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return valid(c, Channels) }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return valid(s, Statuses) }

// Valid reports whether l is Italian or German.
func (l Language) Valid() bool { return valid(l, Languages) }

// Rome is the time zone of every office: dates (receipt, due date, reply) are civil dates there.
var Rome = mustZone("Europe/Rome")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Citizen is the person who brought the item.
type Citizen struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Phone    string   `json:"phone"`
	Address  string   `json:"address"`
	Language Language `json:"language"`
}

// Reply is the written reply the office sent.
type Reply struct {
	Text     string     `json:"text"`
	Language Language   `json:"language"`
	At       *time.Time `json:"at"`
}

// Case is one item in the register.
type Case struct {
	ID          string     `json:"id"`
	Number      string     `json:"number"`
	Office      string     `json:"office"`
	Kind        Kind       `json:"kind"`
	Channel     Channel    `json:"channel"`
	Status      Status     `json:"status"`
	ReceivedAt  time.Time  `json:"received_at"`
	DueDate     string     `json:"due_date"`
	AnsweredAt  *time.Time `json:"answered_at"`
	ClosedAt    *time.Time `json:"closed_at"`
	Overdue     bool       `json:"overdue"`
	Subject     string     `json:"subject"`
	Description string     `json:"description"`
	Category    string     `json:"category"`
	Service     string     `json:"service"`
	Assignee    string     `json:"assignee"`
	Citizen     Citizen    `json:"citizen"`
	Reply       Reply      `json:"reply"`
	// Satisfaction is the citizen's judgement of the handling, 1 to 5; 0 = not given.
	Satisfaction int `json:"satisfaction"`

	// DeadlineDays is the number of working days promised, fixed at receipt from the
	// office's rules so that a later change of the rules does not move old deadlines.
	DeadlineDays int `json:"deadline_days"`
	// WaitingSince is the day the clock stopped (status waiting); empty otherwise.
	WaitingSince string `json:"waiting_since,omitempty"`
	// WaitedDays is the working days spent waiting for the citizen, recorded and added
	// to the deadline.
	WaitedDays int `json:"waited_days"`
	// Version counts the changes applied to the case (the base of the next operation).
	Version int64 `json:"version"`

	rowid int64 // the row in the register, for the search index
}

// Ref is what a clerk types to name a case: its protocol number or its id.
type Ref = string

// NewCase is what intake knows about a new item.
type NewCase struct {
	Office      string // empty: the register's own office
	Kind        Kind
	Channel     Channel
	ReceivedAt  time.Time // zero: now
	Subject     string
	Description string
	Category    string
	Service     string
	Assignee    string
	Citizen     Citizen
	// Note goes into the audit entry of the creation (e.g. where an import came from).
	Note string
}

// Edit changes the descriptive fields of a case; nil leaves a field as it is.
type Edit struct {
	Kind        *Kind
	Channel     *Channel
	Subject     *string
	Description *string
	Category    *string
	Service     *string
	Citizen     *Citizen
}

func checkEmail(s string) error {
	if !ValidEmail(s) {
		return Problemf("err.email", "email", s)
	}
	return nil
}

// ValidEmail is the register's rule for a citizen's address: empty, or one plain
// address whose domain has a dot. Intake asks it before proposing an address it read.
func ValidEmail(s string) bool {
	if s == "" {
		return true
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@")+1:], ".")
}

// validate checks a case as it would be stored; it is the one place the rules live.
func (c *Case) validate() error {
	if err := c.validateValues(); err != nil {
		return err
	}
	return c.validateState()
}

// validateValues is the rules each value keeps on its own (known kinds, channels,
// statuses and languages, a subject, an address, a receipt date).
func (c *Case) validateValues() error {
	switch {
	case !c.Kind.Valid():
		return Problemf("err.kind", "kind", string(c.Kind))
	case !c.Channel.Valid():
		return Problemf("err.channel", "channel", string(c.Channel))
	case !c.Status.Valid():
		return Problemf("err.status", "status", string(c.Status))
	case strings.TrimSpace(c.Subject) == "":
		return Problemf("err.subject_empty")
	case len(c.Subject) > 500:
		return Problemf("err.subject_long", "max", "500")
	case c.Citizen.Language != "" && !c.Citizen.Language.Valid():
		return Problemf("err.language", "language", string(c.Citizen.Language))
	case c.Reply.Language != "" && !c.Reply.Language.Valid():
		return Problemf("err.language", "language", string(c.Reply.Language))
	}
	if err := checkEmail(c.Citizen.Email); err != nil {
		return err
	}
	if c.ReceivedAt.IsZero() || c.ReceivedAt.Year() < 1990 {
		return Problemf("err.date", "value", c.ReceivedAt.Format(time.RFC3339))
	}
	return nil
}

// validateState is the rules that tie one field to another's value (a reply for an
// answered case, dates after the receipt). A change from another office keeps them too,
// on the case as its office held it (validate.go, decide).
func (c *Case) validateState() error {
	if c.Status == StatusAnswered || c.Status == StatusClosed {
		if strings.TrimSpace(c.Reply.Text) == "" {
			return Problemf("err.reply_empty")
		}
	}
	for _, at := range []*time.Time{c.AnsweredAt, c.ClosedAt, c.Reply.At} {
		if at != nil && at.Before(c.ReceivedAt) {
			return Problemf("err.before_receipt", "value", at.In(Rome).Format(time.RFC3339))
		}
	}
	return nil
}
