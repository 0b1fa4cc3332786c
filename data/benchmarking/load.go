package benchmarking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"ascolto/data"
)

// maxFile bounds what Load reads: a year of months and every kind fit in a few kB.
const maxFile = 4 << 20

// Load reads a benchmarking file, refusing what is not one, one of a newer version than
// this program reads, and figures that cannot be right (a negative count, more cases on
// time than answered, a rate above 1): a comparison must not rest on a broken file.
func Load(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &data.Problem{Key: "stats.benchmark_read", Args: map[string]string{"path": path}, Err: err}
	}
	if st.Size() > maxFile {
		return nil, data.Problemf("stats.benchmark_invalid", "path", path, "detail", "size")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &data.Problem{Key: "stats.benchmark_read", Args: map[string]string{"path": path}, Err: err}
	}
	f, err := Parse(b)
	if err != nil {
		if p, ok := data.AsProblem(err); ok {
			q := *p
			q.Args = map[string]string{}
			for k, v := range p.Args {
				q.Args[k] = v
			}
			q.Args["path"] = path
			return nil, &q
		}
		return nil, err
	}
	f.path = path
	return f, nil
}

// Parse reads a benchmarking file's bytes; see Load.
func Parse(b []byte) (*File, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.Format != Format {
		return nil, data.Problemf("stats.benchmark_not", "path", "")
	}
	if head.Version > Version || head.Version < 1 {
		return nil, data.Problemf("stats.benchmark_version", "path", "", "version", strconv.Itoa(head.Version), "supported", strconv.Itoa(Version))
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, data.Problemf("stats.benchmark_invalid", "path", "", "detail", err.Error())
	}
	if err := f.check(); err != nil {
		return nil, data.Problemf("stats.benchmark_invalid", "path", "", "detail", err.Error())
	}
	// The names come from another office's file and go on screen, into a PDF and a
	// terminal: in the register's clean form (data/text.go), like any text from outside.
	for _, s := range []*string{&f.Generator, &f.CreatedOn, &f.Office.Code, &f.Office.NameIT, &f.Office.NameDE, &f.Office.Municipality} {
		*s = data.CleanLine(*s)
	}
	return &f, nil
}

func (f *File) check() error {
	for _, d := range []string{f.Period.From, f.Period.To} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return fmt.Errorf("period %q", d)
		}
	}
	if f.Period.From > f.Period.To {
		return fmt.Errorf("period %s–%s", f.Period.From, f.Period.To)
	}
	if f.Office.Code == "" {
		return fmt.Errorf("office")
	}
	in := f.Indicators
	if err := counts(in.Total, in.Answered, in.AnsweredOnTime); err != nil {
		return err
	}
	if in.Open < 0 || in.Overdue < 0 || in.Overdue > in.Open || in.Open > in.Total || in.WaitedCases < 0 || in.WaitedDays < 0 || in.Rated < 0 {
		return fmt.Errorf("open/overdue/waiting")
	}
	for _, r := range []*float64{in.OnTimeRate, in.SatisfiedRate} {
		if r != nil && (*r < 0 || *r > 1) {
			return fmt.Errorf("rate %v", *r)
		}
	}
	for _, d := range []*float64{in.MedianReply, in.P90Reply, in.MeanReply, in.MedianFirst, in.MedianClosure} {
		if d != nil && (*d < 0 || *d > 5000) {
			return fmt.Errorf("working days %v", *d)
		}
	}
	if s := in.Satisfaction; s != nil && (*s < 1 || *s > 5) {
		return fmt.Errorf("satisfaction %v", *s)
	}
	for _, m := range []map[string]Cell{f.ByKind, f.ByChannel, f.ByLanguage, f.ByMonth} {
		for k, c := range m {
			if c.Suppressed {
				continue
			}
			if c.Total == nil || c.Answered == nil || c.AnsweredOnTime == nil {
				return fmt.Errorf("cell %s", k)
			}
			if err := counts(*c.Total, *c.Answered, *c.AnsweredOnTime); err != nil {
				return fmt.Errorf("cell %s: %w", k, err)
			}
			if r := c.OnTimeRate; r != nil && (*r < 0 || *r > 1) {
				return fmt.Errorf("cell %s rate", k)
			}
		}
	}
	return nil
}

func counts(total, answered, onTime int) error {
	if total < 0 || answered < 0 || onTime < 0 || answered > total || onTime > answered {
		return fmt.Errorf("counts %d/%d/%d", total, answered, onTime)
	}
	return nil
}
