package transfer

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"ascolto/data"
)

// fields is one imported record by column name, with the line it started on.
type fields struct {
	line int
	v    map[string]string
}

// Import reads cases from r and adds them to the register in ONE transaction: either
// every record is taken or none is, and the first bad record is named by its line.
// Protocol numbers are given by this register; an imported "number" is kept in the audit
// note of the new case.
func Import(ctx context.Context, s *data.Store, r io.Reader, format Format) (int, error) {
	var recs []fields
	var err error
	switch format {
	case CSV:
		recs, err = readCSV(r)
	case JSON:
		recs, err = readJSON(r)
	default:
		return 0, data.Problemf("err.format", "format", string(format))
	}
	if err != nil {
		return 0, err
	}
	// A copy first: an import is all or nothing, but a wrong file imported whole is
	// easier to undo from a backup than case by case.
	if _, err := s.AutoBackup(ctx, "before-import"); err != nil {
		return 0, err
	}
	err = s.Update(ctx, func(tx *data.Tx) error {
		for _, rec := range recs {
			if err := importOne(tx, rec.v); err != nil {
				return lineErr(err, rec.line)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(recs), nil
}

func lineErr(err error, line int) error {
	p, ok := data.AsProblem(err)
	if !ok {
		p = &data.Problem{Key: "err.internal", Args: map[string]string{"detail": err.Error()}, Err: err}
	}
	q := *p
	q.Line = line
	return &q
}

// readCSV reads a spreadsheet's CSV as spreadsheets write it: any of the encodings of
// decodeText, the separator named by a "sep=" first line or else guessed from the
// header, headings in any of the program's languages. Rows with no value at all are
// skipped wherever they are: spreadsheets leave them at the end (";;;;") and clerks
// between groups of rows, and they cannot be a case.
func readCSV(r io.Reader) ([]fields, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, data.Problemf("err.csv", "detail", err.Error())
	}
	text := decodeText(raw)
	sep, rest, hinted := sepLine(text)
	skipped := 0 // lines before the header, for the line numbers in refusals
	if hinted {
		text, skipped = rest, 1
	} else {
		sep = guessSeparator(text)
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, lineErr(data.Problemf("err.empty_file"), 1+skipped)
	}
	if err != nil {
		line := 1
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, lineErr(data.Problemf("err.csv", "detail", errText(err)), line+skipped)
	}
	headerLine := 1 + skipped
	cols := make([]string, len(header)) // "" where a spreadsheet left a column without heading
	seen := map[string]bool{}
	width := 0 // up to the last named column
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")) == "" {
			continue
		}
		col, ok := headerColumn(h)
		if !ok {
			return nil, lineErr(data.Problemf("err.column", "column", h), headerLine)
		}
		if seen[col] {
			return nil, lineErr(data.Problemf("err.column_twice", "column", h), headerLine)
		}
		seen[col] = true
		cols[i] = col
		width = i + 1
	}
	if width == 0 {
		return nil, lineErr(data.Problemf("err.empty_file"), headerLine)
	}
	var out []fields
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// Ask the error, not FieldPos: after a parse error there is no field, and
			// FieldPos would panic.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, lineErr(data.Problemf("err.csv", "detail", errText(err)), line+skipped)
		}
		line, _ := cr.FieldPos(0)
		line += skipped
		if blank(rec) {
			continue
		}
		if len(rec) < width {
			return nil, lineErr(data.Problemf("err.columns_count", "have", strconv.Itoa(len(rec)), "want", strconv.Itoa(width)), line)
		}
		v := make(map[string]string, width)
		for i, cell := range rec {
			switch {
			case i >= len(cols):
				if strings.TrimSpace(cell) != "" {
					return nil, lineErr(data.Problemf("err.columns_count", "have", strconv.Itoa(len(rec)), "want", strconv.Itoa(width)), line)
				}
			case cols[i] == "":
				if strings.TrimSpace(cell) != "" {
					return nil, lineErr(data.Problemf("err.column_unnamed", "column", strconv.Itoa(i+1)), line)
				}
			default:
				v[cols[i]] = restore(cell)
			}
		}
		out = append(out, fields{line: line, v: v})
	}
	return out, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func errText(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// jsonCase is the export's JSON form of a case, read back.
type jsonCase struct {
	// Computed or register-own fields of an export, read and ignored: this register
	// gives its own id, number, deadline and version.
	ID           string `json:"id"`
	DueDate      string `json:"due_date"`
	Overdue      bool   `json:"overdue"`
	DeadlineDays int    `json:"deadline_days"`
	WaitingSince string `json:"waiting_since"`
	WaitedDays   int    `json:"waited_days"`
	Version      int64  `json:"version"`
	Satisfaction int    `json:"satisfaction"`

	Office      string  `json:"office"`
	Number      string  `json:"number"`
	Kind        string  `json:"kind"`
	Channel     string  `json:"channel"`
	Status      string  `json:"status"`
	ReceivedAt  string  `json:"received_at"`
	AnsweredAt  *string `json:"answered_at"`
	ClosedAt    *string `json:"closed_at"`
	Subject     string  `json:"subject"`
	Description string  `json:"description"`
	Category    string  `json:"category"`
	Service     string  `json:"service"`
	Assignee    string  `json:"assignee"`
	Citizen     struct {
		Name, Email, Phone, Address, Language string
	} `json:"citizen"`
	Reply struct {
		Text     string  `json:"text"`
		Language string  `json:"language"`
		At       *string `json:"at"`
	} `json:"reply"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func readJSON(r io.Reader) ([]fields, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, data.Problemf("err.json", "detail", err.Error())
	}
	raw = []byte(decodeText(raw))
	lineAt := func(off int64) int { return 1 + bytes.Count(raw[:min(int(off), len(raw))], []byte("\n")) }
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return nil, lineErr(data.Problemf("err.json", "detail", "expected an array of cases"), 1)
	}
	var out []fields
	for dec.More() {
		// The record starts after the separating comma and white space.
		start := dec.InputOffset()
		for start < int64(len(raw)) && strings.ContainsRune(", \t\r\n", rune(raw[start])) {
			start++
		}
		var c jsonCase
		if err := dec.Decode(&c); err != nil {
			off := start
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = se.Offset
			}
			return nil, lineErr(data.Problemf("err.json", "detail", err.Error()), lineAt(off))
		}
		out = append(out, fields{line: lineAt(start), v: map[string]string{
			"office": c.Office, "number": c.Number, "kind": c.Kind, "channel": c.Channel, "status": c.Status,
			"received_at": c.ReceivedAt, "answered_at": deref(c.AnsweredAt), "closed_at": deref(c.ClosedAt),
			"subject": c.Subject, "description": c.Description, "category": c.Category, "service": c.Service,
			"assignee": c.Assignee, "citizen_name": c.Citizen.Name, "citizen_email": c.Citizen.Email,
			"citizen_phone": c.Citizen.Phone, "citizen_address": c.Citizen.Address,
			"citizen_language": c.Citizen.Language, "reply_text": c.Reply.Text,
			"reply_language": c.Reply.Language, "reply_at": deref(c.Reply.At),
			"satisfaction": strconv.Itoa(c.Satisfaction),
		}})
	}
	if _, err := dec.Token(); err != nil {
		return nil, lineErr(data.Problemf("err.json", "detail", err.Error()), lineAt(dec.InputOffset()))
	}
	return out, nil
}

func optTime(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	return ParseTime(s)
}

func importOne(tx *data.Tx, v map[string]string) error {
	nc := data.NewCase{
		Office: strings.ToUpper(strings.TrimSpace(v["office"])), Kind: data.Kind(strings.TrimSpace(v["kind"])),
		Channel: data.Channel(strings.TrimSpace(v["channel"])), Subject: v["subject"], Description: v["description"],
		Category: v["category"], Service: v["service"], Assignee: v["assignee"],
		Citizen: data.Citizen{Name: v["citizen_name"], Email: v["citizen_email"], Phone: v["citizen_phone"],
			Address: v["citizen_address"], Language: data.Language(strings.TrimSpace(v["citizen_language"]))},
	}
	if n := strings.TrimSpace(v["number"]); n != "" {
		nc.Note = "import: " + n
	}
	var err error
	if nc.ReceivedAt, err = optTime(v["received_at"]); err != nil {
		return err
	}
	status := data.Status(strings.TrimSpace(v["status"]))
	if status != "" && !status.Valid() {
		return data.Problemf("err.status", "status", string(status))
	}
	score := 0 // not given
	if v := strings.TrimSpace(v["satisfaction"]); v != "" {
		if score, err = parseScore(v); err != nil {
			return err
		}
	}
	c, err := tx.Create(nc)
	if err != nil {
		return err
	}
	if score != 0 {
		if c, err = tx.SetSatisfaction(c.ID, score); err != nil {
			return err
		}
	}
	at := c.ReceivedAt
	switch status {
	case "", data.StatusReceived:
		return nil
	case data.StatusInProgress, data.StatusWaiting:
		_, err = tx.SetStatus(c.ID, status, at, "")
		return err
	}
	replyAt, err := optTime(v["reply_at"])
	if err == nil && replyAt.IsZero() {
		replyAt, err = optTime(v["answered_at"])
	}
	if err != nil {
		return err
	}
	if replyAt.IsZero() {
		replyAt = at
	}
	if _, err = tx.Reply(c.ID, v["reply_text"], data.Language(strings.TrimSpace(v["reply_language"])), replyAt); err != nil {
		return err
	}
	if status == data.StatusClosed {
		closedAt, err := optTime(v["closed_at"])
		if err != nil {
			return err
		}
		if closedAt.IsZero() {
			closedAt = replyAt
		}
		_, err = tx.Close(c.ID, closedAt)
		return err
	}
	return nil
}
