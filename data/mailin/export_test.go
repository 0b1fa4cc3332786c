package mailin

// CorpusMail is one mail of the corpus with what must become of it, for the test in
// package mailin_test that takes the whole corpus through intake into a register.
type CorpusMail struct {
	Name, Refused, Receipt      string
	Raw                         []byte
	PEC                         bool
	FromName, FromAddr, Subject string
	Text                        string
	Files                       [][]byte
}

// CorpusMails is the corpus of corpus_test.go.
func CorpusMails() []CorpusMail {
	var out []CorpusMail
	for _, it := range corpus() {
		m := CorpusMail{Name: it.name, Refused: it.refused, Receipt: it.receipt, Raw: it.raw, PEC: it.pec,
			FromName: it.fromName, FromAddr: it.fromAddr, Subject: it.subj, Text: it.text}
		for _, f := range it.files {
			m.Files = append(m.Files, f.content)
		}
		out = append(out, m)
	}
	return out
}
