package signature

import (
	"bytes"
	"errors"
)

// Readable says whether the PDF reader may be given file: it ends in %%EOF (the reader
// searches a file that does not slowly, backwards) and has none of the shapes that make
// the reader allocate or loop without bound (see sane). Other readers of outside PDFs
// (printing/pdfa) ask it first, as Check does.
func Readable(file []byte) error {
	if !bytes.HasSuffix(bytes.TrimRight(file, "\r\n\t \x00"), []byte("%%EOF")) {
		return errors.New("no %%EOF at the end")
	}
	return sane(file)
}
