package report

import (
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"ascolto/data/stats"
)

// sheetName makes a table's name a valid sheet name: at most 31 characters, none of
// : \ / ? * [ ].
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	return s
}

// XLSX writes the report's tables as a workbook, one sheet per table, with numbers as
// numbers (counts grouped, rates as percentages, days with a decimal) so that a
// spreadsheet can compute with them; the spreadsheet shows them with the separators of
// its own language.
func XLSX(w io.Writer, in *stats.Indicators, opt Options) error {
	x := excelize.NewFile()
	defer x.Close()
	styles := map[Kind]int{}
	for k, fmtCode := range map[Kind]string{Int: "#,##0", Ratio: "0.0%", Days: "0.0", Score: "0.0"} {
		code := fmtCode
		id, err := x.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		styles[k] = id
	}
	head, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F0F3F7"}}})
	if err != nil {
		return err
	}
	for i, t := range Tables(in, opt) {
		name := sheetName(t.Name)
		if i == 0 {
			if err := x.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := x.NewSheet(name); err != nil {
			return err
		}
		for c, h := range t.Head {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			x.SetCellValue(name, cell, h)
			x.SetCellStyle(name, cell, cell, head)
			col, _ := excelize.ColumnNumberToName(c + 1)
			width := 14.0
			if c == 0 {
				width = 34
			}
			x.SetColWidth(name, col, col, width)
		}
		for r, row := range t.Rows {
			for c, v := range row {
				if v == nil {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if err := x.SetCellValue(name, cell, v); err != nil {
					return err
				}
				if st, ok := styles[t.KindOf(r, c)]; ok {
					x.SetCellStyle(name, cell, cell, st)
				}
			}
		}
		x.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	return x.Write(w)
}
