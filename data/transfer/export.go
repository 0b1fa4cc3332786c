// Package transfer moves cases in and out of the register as CSV, JSON and XLSX: for
// spreadsheets, other programs and migrations from the offices' old lists. Imports go
// through the register's one write path and are all or nothing.
package transfer

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2" // XLSX: spreadsheets as offices use them, streamed so a million rows fit

	"ascolto/data"
)

// Columns of the CSV and XLSX forms, named like the JSON fields (citizen and reply
// flattened).
var Columns = []string{"id", "number", "office", "kind", "channel", "status", "received_at", "due_date",
	"answered_at", "closed_at", "overdue", "subject", "description", "category", "service", "assignee",
	"citizen_name", "citizen_email", "citizen_phone", "citizen_address", "citizen_language",
	"reply_text", "reply_language", "reply_at", "waited_days", "satisfaction"}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(data.Rome).Format(time.RFC3339)
}

func record(c *data.Case) []string {
	return []string{c.ID, c.Number, c.Office, string(c.Kind), string(c.Channel), string(c.Status),
		c.ReceivedAt.In(data.Rome).Format(time.RFC3339), c.DueDate, timeText(c.AnsweredAt), timeText(c.ClosedAt),
		strconv.FormatBool(c.Overdue), c.Subject, c.Description, c.Category, c.Service, c.Assignee,
		c.Citizen.Name, c.Citizen.Email, c.Citizen.Phone, c.Citizen.Address, string(c.Citizen.Language),
		c.Reply.Text, string(c.Reply.Language), timeText(c.Reply.At), strconv.Itoa(c.WaitedDays),
		strconv.Itoa(c.Satisfaction)}
}

func headings(lang string) []string {
	out := make([]string, len(Columns))
	for i, col := range Columns {
		out[i] = Heading(col, lang)
	}
	return out
}

// Format is an export or import file format.
type Format string

const (
	CSV  Format = "csv"
	JSON Format = "json"
	XLSX Format = "xlsx"
)

// Options tune an export.
type Options struct {
	Format Format
	// Separator for CSV: ';' by default, which spreadsheets set to Italian or German
	// read as columns; ',' for others.
	Separator rune
	Filter    data.Filter
	// Language of the column headings for CSV and XLSX ("it", "de", "en"), as a clerk
	// reads them in a spreadsheet; "" writes the stable column names (citizen_name) that
	// scripts rely on. Import reads either.
	Language string
	// Progress, if set, is called now and then with the cases written so far.
	Progress func(done int)
}

// Export writes the cases matching opt.Filter to path. The file is written under a
// temporary name and renamed when complete, so a failed export never leaves half a file
// that looks whole. It returns how many cases were written.
func Export(ctx context.Context, s *data.Store, path string, opt Options) (int, error) {
	var n int
	err := data.WriteWhole(path, func(f *os.File) error {
		var err error
		n, err = write(ctx, s, f, opt)
		return err
	})
	if err != nil {
		if _, ok := data.AsProblem(err); ok {
			return 0, err
		}
		return 0, &data.Problem{Key: "err.export", Args: map[string]string{"path": path}, Err: err}
	}
	return n, nil
}

func write(ctx context.Context, s *data.Store, f *os.File, opt Options) (int, error) {
	n := 0
	tick := func() {
		n++
		if opt.Progress != nil && n%10000 == 0 {
			opt.Progress(n)
		}
	}
	switch opt.Format {
	case CSV:
		w := bufio.NewWriterSize(f, 1<<16)
		w.WriteString("\uFEFF") // the BOM tells spreadsheets the file is UTF-8 (ä, ò, ß stay right)
		cw := csv.NewWriter(w)
		cw.Comma = ';'
		if opt.Separator != 0 {
			cw.Comma = opt.Separator
		}
		cw.UseCRLF = true // what spreadsheet programs on Windows expect
		cw.Write(headings(opt.Language))
		err := s.Each(ctx, opt.Filter, func(c *data.Case) error {
			tick()
			rec := record(c)
			for i, v := range rec {
				rec[i] = defuse(v) // a citizen's "=HYPERLINK(…)" stays text in Excel
			}
			return cw.Write(rec)
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		if err == nil {
			err = w.Flush()
		}
		return n, err
	case JSON:
		w := bufio.NewWriterSize(f, 1<<16)
		w.WriteString("[")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err := s.Each(ctx, opt.Filter, func(c *data.Case) error {
			if n > 0 {
				w.WriteString(",")
			}
			tick()
			w.WriteString("\n")
			return enc.Encode(c)
		})
		w.WriteString("]\n")
		if err == nil {
			err = w.Flush()
		}
		return n, err
	case XLSX:
		x := excelize.NewFile()
		defer x.Close()
		sheet := "Ascolto"
		x.SetSheetName("Sheet1", sheet)
		sw, err := x.NewStreamWriter(sheet)
		if err != nil {
			return 0, err
		}
		row := func(r int, vals []string) error {
			cells := make([]any, len(vals))
			for i, v := range vals {
				cells[i] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, r)
			return sw.SetRow(cell, cells)
		}
		// Cells are written as text, never as formulas, whatever they begin with: no
		// apostrophe is needed here.
		if err := row(1, headings(opt.Language)); err != nil {
			return 0, err
		}
		err = s.Each(ctx, opt.Filter, func(c *data.Case) error { tick(); return row(n+1, record(c)) })
		if err == nil {
			err = sw.Flush()
		}
		if err == nil {
			err = x.Write(f)
		}
		return n, err
	}
	return 0, data.Problemf("err.format", "format", string(opt.Format))
}
