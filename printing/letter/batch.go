package letter

import (
	"runtime"
	"sync"

	"ascolto/data"
)

// IssueBatch issues a letter for each case of refs inside t, making the PDFs side by side
// on every processor: a letter's PDF (fonts measured and subset, compressed, signed) is
// nearly all of its cost, and each is independent of the others once its number and
// date are fixed. The letters are kept in the order of refs; any refusal refuses all.
func (p *Office) IssueBatch(t *data.Tx, refs []data.Ref, opt Options) ([]*data.Letter, [][]byte, error) {
	req := data.LetterRequest{Language: opt.Language, Reply: opt.Text}
	cases := make([]*data.Case, len(refs))
	letters := make([]*data.Letter, len(refs))
	for i, ref := range refs {
		c, l, err := t.DraftLetter(ref, req)
		if err != nil {
			return nil, nil, err
		}
		cases[i], letters[i] = c, l
	}
	pdfs := make([][]byte, len(refs))
	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(refs)); w++ {
		wg.Go(func() {
			for i := range next {
				pdfs[i], errs[i] = p.render(cases[i], letters[i], opt)
			}
		})
	}
	for i := range refs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, l := range letters {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		if err := t.KeepLetter(l, pdfs[i]); err != nil {
			return nil, nil, err
		}
	}
	return letters, pdfs, nil
}
