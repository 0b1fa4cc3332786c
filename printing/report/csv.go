package report

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"ascolto/data/stats"
)

// CSVColumns are the columns of the CSV export: one row per group of every breakdown,
// with stable English names (like the case export's), so that scripts and pivot tables
// find them whatever the language.
var CSVColumns = []string{"section", "key", "cases", "answered", "answered_on_time", "on_time_rate",
	"median_reply_working_days", "p90_reply_working_days", "mean_reply_working_days", "open", "overdue", "satisfaction_mean"}

// CSV writes the breakdowns of the indicators — everything, each month, office, kind,
// channel, language, category and service — as one table. With ';' between columns
// (the default, what Italian and German spreadsheets read) decimals have a comma; with
// ',' a point. UTF-8 with a byte-order mark, CRLF, like the case export.
func CSV(w io.Writer, in *stats.Indicators, sep rune) error {
	if sep == 0 {
		sep = ';'
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	cw.Comma = sep
	cw.UseCRLF = true
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		s := strconv.FormatFloat(*v, 'f', -1, 64)
		if sep == ';' {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	row := func(section string, g stats.Group) []string {
		return []string{section, g.Key, strconv.Itoa(g.Total), strconv.Itoa(g.Answered), strconv.Itoa(g.AnsweredOnTime), num(g.OnTimeRate),
			num(g.MedianReply), num(g.P90Reply), num(g.MeanReply), strconv.Itoa(g.Open), strconv.Itoa(g.Overdue), num(g.SatisfactionMean)}
	}
	cw.Write(CSVColumns)
	all := stats.Group{Key: "all", Total: in.Total, Answered: in.Answered, AnsweredOnTime: in.AnsweredOnTime, OnTimeRate: in.OnTimeRate,
		MedianReply: in.MedianReply, P90Reply: in.P90Reply, MeanReply: in.MeanReply, Open: in.Open, Overdue: in.Overdue,
		SatisfactionMean: in.Satisfaction.Mean}
	cw.Write(row("all", all))
	for _, m := range in.Months {
		cw.Write(row("month", m))
	}
	for _, dim := range []string{stats.DimOffice, stats.DimKind, stats.DimChannel, stats.DimLanguage, stats.DimCategory, stats.DimService} {
		for _, g := range in.Groups[dim] {
			cw.Write(row(dim, g))
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
