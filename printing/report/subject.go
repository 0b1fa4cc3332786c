package report

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"ascolto/data"
	"ascolto/printing"
)

// auditFields name the fields of the audit trail in the reader's words, where the
// register has a word for them.
var auditFields = map[string]string{"number": "field.number", "office": "field.office", "kind": "field.kind",
	"channel": "field.channel", "status": "field.status", "received_at": "field.received", "due_date": "field.due_date",
	"waited_days": "field.waited", "closed_at": "field.closed_at", "subject": "field.subject", "description": "field.description",
	"category": "field.category", "service": "field.service", "assignee": "field.assignee", "citizen_name": "field.citizen",
	"citizen_email": "field.email", "citizen_phone": "field.phone", "citizen_address": "field.address",
	"citizen_language": "field.language", "reply_text": "field.reply", "reply_at": "field.reply_at", "satisfaction": "field.satisfaction"}

// auditActions name what happened in an audit entry.
var auditActions = map[string]string{"create": "action.create", "status": "action.status", "assign": "action.assign",
	"reply": "action.reply", "close": "action.close", "edit": "action.edit", "attach": "action.attach",
	"satisfaction": "action.satisfaction", "outcome": "action.outcome", "anonymise": "action.anonymise", "erase": "action.erase"}

// ActionName is the words for an audit entry's action ("" when the program has none).
func (f *Format) ActionName(action string) string {
	if key, ok := auditActions[action]; ok {
		return f.T(key)
	}
	return action
}

func short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// SubjectAccess writes the answer to a citizen's request for their data (GDPR art. 15)
// as a PDF: what was asked, and every case found with its details, files and history.
func SubjectAccess(w io.Writer, rep *data.SubjectReport, lang string) error {
	f := NewFormat(lang)
	title := f.T("stats.access.title")
	head := title + " · " + OfficeName(rep.Office, f.Lang)
	return render(w, f, rep.Made, head, func(p *page) {
		pdf := p.pdf
		pdf.SetFont(printing.Family, "B", 16)
		ink(pdf, colorText)
		pdf.SetXY(margin, p.y)
		pdf.CellFormat(bodyW, 8, title, "", 0, "LM", false, 0, "")
		p.y += 9
		var asked []string
		if rep.Subject.Name != "" {
			asked = append(asked, f.T("field.citizen")+": "+rep.Subject.Name)
		}
		if rep.Subject.Email != "" {
			asked = append(asked, f.T("field.email")+": "+rep.Subject.Email)
		}
		if rep.Subject.Phone != "" {
			asked = append(asked, f.T("field.phone")+": "+rep.Subject.Phone)
		}
		if len(rep.Subject.Refs) > 0 {
			asked = append(asked, f.T("field.number")+": "+List(rep.Subject.Refs))
		}
		p.note(f.T("stats.access.intro", "office", OfficeName(rep.Office, f.Lang), "date", f.DateTime(rep.Made, data.Rome),
			"asked", strings.Join(asked, " · "), "n", f.Int(len(rep.Cases))), 9)
		for _, sc := range rep.Cases {
			subjectCase(p, f, sc)
		}
		p.section(f.T("stats.access.rights_title"), 10)
		p.note(f.T("stats.access.rights"), 8)
	})
}

func subjectCase(p *page, f *Format, sc data.SubjectCase) {
	c := sc.Case
	p.section(f.T("field.number")+" "+c.Number, 30)
	rows := [][2]string{
		{f.T("field.office"), c.Office}, {f.T("field.kind"), f.Word("kind." + string(c.Kind))},
		{f.T("field.channel"), f.Word("channel." + string(c.Channel))}, {f.T("field.status"), f.Word("status." + string(c.Status))},
		{f.T("field.received"), f.DateTime(c.ReceivedAt, data.Rome)}, {f.T("field.due_date"), f.Date(c.DueDate)},
		{f.T("field.subject"), c.Subject}, {f.T("field.description"), c.Description},
		{f.T("field.category"), c.Category}, {f.T("field.service"), c.Service}, {f.T("field.assignee"), c.Assignee},
		{f.T("field.citizen"), c.Citizen.Name}, {f.T("field.email"), c.Citizen.Email}, {f.T("field.phone"), c.Citizen.Phone},
		{f.T("field.address"), c.Citizen.Address},
	}
	if c.Citizen.Language != "" {
		rows = append(rows, [2]string{f.T("field.language"), f.Word("language." + string(c.Citizen.Language))})
	}
	if c.Reply.At != nil {
		rows = append(rows, [2]string{f.T("field.reply_at"), f.DateTime(*c.Reply.At, data.Rome)}, [2]string{f.T("field.reply"), c.Reply.Text})
	}
	if c.ClosedAt != nil {
		rows = append(rows, [2]string{f.T("field.closed_at"), f.DateTime(*c.ClosedAt, data.Rome)})
	}
	if c.Satisfaction > 0 {
		rows = append(rows, [2]string{f.T("field.satisfaction"), f.T("stats.score", "n", f.Int(c.Satisfaction))})
	}
	if sc.Outcome != "" {
		rows = append(rows, [2]string{f.T("stats.col.outcome"), f.T(OutcomeKeys[sc.Outcome])})
	}
	for _, a := range sc.Attachments {
		rows = append(rows, [2]string{f.T("stats.access.file"), a.Name + " (" + f.Int(int(a.Size)) + " B)"})
	}
	for _, a := range sc.Actions {
		rows = append(rows, [2]string{f.T("stats.col.action"), a.Title})
	}
	pdf := p.pdf
	const labelW, lh = 42.0, 4.2
	for _, r := range rows {
		if strings.TrimSpace(r[1]) == "" {
			continue
		}
		pdf.SetFont(printing.Family, "", 8.5)
		lines := printing.Wrap(pdf, r[1], bodyW-labelW)
		p.need(float64(len(lines)) * lh)
		pdf.SetFont(printing.Family, "B", 8.5)
		ink(pdf, colorMuted)
		pdf.SetXY(margin, p.y)
		pdf.CellFormat(labelW, lh, r[0], "", 0, "LT", false, 0, "")
		pdf.SetFont(printing.Family, "", 8.5)
		ink(pdf, colorText)
		for _, l := range lines {
			pdf.SetXY(margin+labelW, p.y)
			pdf.CellFormat(bodyW-labelW, lh, l, "", 0, "LT", false, 0, "")
			p.y += lh
		}
	}
	p.y += 2
	var hist [][]string
	for _, e := range sc.History {
		at, _ := time.Parse(time.RFC3339Nano, e.At)
		var changes []string
		for _, ch := range e.ChangeList() {
			name := ch.Field
			if key, ok := auditFields[name]; ok {
				name = f.T(key)
			}
			changes = append(changes, name+": "+short(ch.Old, 40)+" → "+short(ch.New, 60))
		}
		hist = append(hist, []string{f.DateTime(at, data.Rome), e.Actor, f.ActionName(e.Action), strings.Join(changes, "; ")})
	}
	cols := spread(column{f.T("stats.col.changes"), 0, "L"}, column{f.T("stats.col.when"), 28, "L"},
		column{f.T("stats.col.who"), 24, "L"}, column{f.T("stats.col.what"), 34, "L"})
	// The widest column (what changed) comes last on paper.
	cols = append(cols[1:], cols[0])
	p.historyTable(cols, hist)
}

// historyTable is table with the last column wrapped over as many lines as it needs.
func (p *page) historyTable(cols []column, rows [][]string) {
	pdf := p.pdf
	const lh = 3.8
	p.need(12)
	pdf.SetFont(printing.Family, "B", 7.5)
	fill(pdf, colorShade)
	ink(pdf, colorText)
	x := margin
	for _, c := range cols {
		pdf.SetXY(x, p.y)
		pdf.CellFormat(c.width, 5, " "+c.head, "", 0, "LM", true, 0, "")
		x += c.width
	}
	p.y += 5.5
	last := cols[len(cols)-1].width
	for _, r := range rows {
		pdf.SetFont(printing.Family, "", 7.5)
		lines := printing.Wrap(pdf, r[len(r)-1], last-2)
		if len(lines) == 0 {
			lines = []string{""}
		}
		p.need(float64(len(lines)) * lh)
		x := margin
		ink(pdf, colorText)
		for j, c := range cols[:len(cols)-1] {
			pdf.SetXY(x, p.y)
			pdf.CellFormat(c.width, lh, " "+fitText(pdf, r[j], c.width-2), "", 0, "LT", false, 0, "")
			x += c.width
		}
		for i, l := range lines {
			pdf.SetXY(x, p.y+float64(i)*lh)
			pdf.CellFormat(last, lh, " "+l, "", 0, "LT", false, 0, "")
		}
		p.y += float64(len(lines))*lh + 0.8
	}
	p.y += 2
}
