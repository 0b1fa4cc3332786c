package benchmarking

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"

	"ascolto/data"
	"ascolto/data/stats"
)

// New makes the benchmarking file of an office from its indicators over a period. The
// indicators must be those of that office and period alone (stats.Query with the
// office and the dates): New only copies and suppresses, it does not filter.
func New(in *stats.Indicators, office data.Office, municipality string, period Period, createdOn string) *File {
	f := &File{Format: Format, Version: Version, Generator: "Ascolto", CreatedOn: createdOn,
		Office: Source{Code: office.Code, NameIT: office.NameIT, NameDE: office.NameDE, Municipality: municipality},
		Period: period, MinCell: MinCell,
		ByKind: map[string]Cell{}, ByChannel: map[string]Cell{}, ByLanguage: map[string]Cell{}, ByMonth: map[string]Cell{}}
	f.Indicators = Indicators{Total: in.Total, Answered: in.Answered, AnsweredOnTime: in.AnsweredOnTime,
		OnTimeRate: in.OnTimeRate, MedianReply: in.MedianReply, P90Reply: in.P90Reply, MeanReply: in.MeanReply,
		Open: in.Open, Overdue: in.Overdue, MedianFirst: in.Phases.FirstAction.Median, MedianClosure: in.Phases.Closure.Median,
		WaitedCases: in.Phases.Waiting.Cases, WaitedDays: in.Phases.Waiting.Days,
		SatisfiedRate: in.Satisfaction.Satisfied, Satisfaction: in.Satisfaction.Mean, Rated: in.Satisfaction.Rated,
		Outcomes: map[string]int{}}
	for k, v := range in.ByOutcome {
		if k != stats.NoValue {
			f.Indicators.Outcomes[k] = v
		}
	}
	for dim, dst := range map[string]map[string]Cell{stats.DimKind: f.ByKind, stats.DimChannel: f.ByChannel, stats.DimLanguage: f.ByLanguage} {
		for _, g := range in.Groups[dim] {
			dst[g.Key] = cell(g)
		}
	}
	for _, g := range in.Months {
		f.ByMonth[g.Key] = cell(g)
	}
	return f
}

// cell copies a group, or suppresses it when it has so few cases that its figures could
// point at one citizen.
func cell(g stats.Group) Cell {
	if g.Total > 0 && g.Total < MinCell {
		return Cell{Suppressed: true}
	}
	total, answered, onTime := g.Total, g.Answered, g.AnsweredOnTime
	return Cell{Total: &total, Answered: &answered, AnsweredOnTime: &onTime, OnTimeRate: g.OnTimeRate,
		MedianReply: g.MedianReply, P90Reply: g.P90Reply}
}

// Write saves the file at path, under a temporary name first so that a half-written file
// never looks complete to another office.
func (f *File) Write(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return &data.Problem{Key: "err.export", Args: map[string]string{"path": path}, Err: err}
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return &data.Problem{Key: "err.export", Args: map[string]string{"path": path}, Err: err}
	}
	return nil
}

// Keys lists the keys of a breakdown in order (months, kinds…), for tables.
func Keys(m map[string]Cell) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
