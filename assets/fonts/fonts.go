// Package fonts gives the TrueType fonts Ascolto embeds in letters and reports: the Go
// fonts (golang.org/x/image/font/gofont), a humanist sans-serif with full Latin-1 and
// Latin Extended-A coverage (à è é ì ò ù ä ö ü ß €, and the letters Ladin uses), under a
// BSD licence that allows embedding. One place, so letters and reports look alike.
package fonts

import (
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
)

// The four faces of the family, as TTF bytes. gofpdf writes into the bytes it is given
// while subsetting: hand it bytes.Clone(Regular), never the shared slice, or documents
// made at the same time corrupt each other.
var (
	Regular    = goregular.TTF
	Bold       = gobold.TTF
	Italic     = goitalic.TTF
	BoldItalic = gobolditalic.TTF
)
