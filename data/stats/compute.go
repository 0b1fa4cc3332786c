package stats

import (
	"time"

	"ascolto/data"
	"ascolto/data/deadline"
)

// compute turns a case into its figures: the definitions of docs/indicators.md, in one
// place. first is the day of the first action when the audit trail names one.
func (r *refresher) compute(c caseRow, first int, hasFirst bool) (day int, d, t int64, err error) {
	received, ok := parseDay(c.received)
	if !ok {
		return 0, 0, 0, data.Problemf("err.date", "value", c.received)
	}
	cal, err := r.calendar(c.office)
	if err != nil {
		return 0, 0, 0, err
	}
	var dm dims
	if dm.office, err = r.code("office", c.office); err != nil {
		return 0, 0, 0, err
	}
	if dm.category, err = r.code("category", c.category); err != nil {
		return 0, 0, 0, err
	}
	if dm.service, err = r.code("service", c.service); err != nil {
		return 0, 0, 0, err
	}
	dm.kind, dm.channel, dm.status = kindCode(data.Kind(c.kind)), channelCode(data.Channel(c.channel)), statusCode(data.Status(c.status))
	dm.lang, dm.outcome, dm.satisfaction = langCode(data.Language(c.lang)), outcomeCode(data.Outcome(c.outcome)), clamp(c.satisfaction, 5)

	tm := times{reply: none, first: none, close: none, waited: c.waited}
	due, ok := parseDay(c.due)
	if !ok {
		due = received
	}
	tm.due = due - received
	reply := -1
	if c.answered.Valid {
		at, err := time.Parse(time.RFC3339Nano, c.answered.String)
		if err != nil {
			return 0, 0, 0, data.Problemf("err.date", "value", c.answered.String)
		}
		reply = romeDay(at)
		// Working days after the day of receipt up to and including the day of the
		// reply, less the working days spent waiting for the citizen (CLI.md).
		tm.reply = max(0, cal.WorkdaysBetween(date(received), date(reply))-c.waited)
		tm.onTime = reply <= due
		if !hasFirst {
			first, hasFirst = reply, true // the reply was the first thing the office did
		}
		if c.closed.Valid {
			if at, err := time.Parse(time.RFC3339Nano, c.closed.String); err == nil {
				tm.close = cal.WorkdaysBetween(date(reply), date(romeDay(at)))
			}
		}
	}
	if hasFirst {
		// A first action recorded later than it happened (a backdated reply) cannot be
		// after the reply, nor before receipt.
		if reply >= 0 {
			first = min(first, reply)
		}
		tm.first = cal.WorkdaysBetween(date(received), date(max(first, received)))
	}
	return received, dm.pack(), tm.pack(), nil
}

// date converts a day number for the calendar.
func date(day int) deadline.Date { return deadline.DateOf(time.Unix(int64(day)*86400, 0).UTC()) }

func (r *refresher) calendar(office string) (*deadline.Calendar, error) {
	if c, ok := r.cals[office]; ok {
		return c, nil
	}
	c, err := r.s.Calendar(office)
	if err != nil {
		return nil, &data.Problem{Key: "err.read", Err: err}
	}
	if r.cals == nil {
		r.cals = map[string]*deadline.Calendar{}
	}
	r.cals[office] = c
	return c, nil
}

// loadCodes reads the text codes already given.
func (r *refresher) loadCodes() error {
	rows, err := r.tx.QueryContext(r.ctx, `SELECT dim, code, value FROM figure_codes`)
	if err != nil {
		return &data.Problem{Key: "err.read", Err: err}
	}
	defer rows.Close()
	r.next = map[string]int{}
	for rows.Next() {
		var dim, value string
		var code int
		if err := rows.Scan(&dim, &code, &value); err != nil {
			return &data.Problem{Key: "err.read", Err: err}
		}
		if r.codes[dim] == nil {
			r.codes[dim] = map[string]int{}
		}
		r.codes[dim][value] = code
		r.next[dim] = max(r.next[dim], code)
	}
	return rows.Err()
}

// code gives a text value its code, numbering new values as they appear. The empty
// text is 0 (no category, no service).
func (r *refresher) code(dim, value string) (int, error) {
	if value == "" {
		return 0, nil
	}
	if c, ok := r.codes[dim][value]; ok {
		return c, nil
	}
	r.next[dim]++
	c := r.next[dim]
	if _, err := r.tx.ExecContext(r.ctx, `INSERT INTO figure_codes(dim, code, value) VALUES (?, ?, ?)`, dim, c, value); err != nil {
		return 0, &data.Problem{Key: "err.write", Err: err}
	}
	if r.codes[dim] == nil {
		r.codes[dim] = map[string]int{}
	}
	r.codes[dim][value] = c
	return c, nil
}
