package pdfa

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/digitorus/pdf"

	"ascolto/printing/signature"
)

// Problem is one way a PDF falls short of PDF/A-2b as Check sees it.
type Problem struct {
	Rule   string // which property: see the Rule constants
	Detail string // what was found, for a log or a test
}

func (p Problem) String() string { return p.Rule + ": " + p.Detail }

// The properties Check verifies.
const (
	RuleUnreadable   = "unreadable"    // the file cannot be read as a PDF
	RuleMetadata     = "metadata"      // no XMP metadata stream, or not PDF/A-2b
	RuleInfo         = "info"          // the XMP does not repeat the Info dictionary
	RuleOutputIntent = "output-intent" // no GTS_PDFA1 output intent with an RGB ICC profile
	RuleFont         = "font"          // a font whose program is not embedded
	RuleTransparency = "transparency"  // a soft mask, constant alpha below 1 or a blend mode
	RuleEncrypt      = "encrypt"       // the file is encrypted
	RuleID           = "id"            // the trailer has no document ID
	RuleLZW          = "lzw"           // a stream compressed with LZW
	RuleHeader       = "header"        // no binary marker after the header
)

// Limits on what Check reads, so that a crafted file cannot keep it busy.
const (
	maxValues   = 50000
	maxDepth    = 64
	maxMetadata = 1 << 20
	maxProfile  = 4 << 20
)

// Check reads a PDF and lists how it falls short of PDF/A-2b: XMP metadata declaring
// part 2, conformance B, and repeating the document information (title, dates); an
// output intent GTS_PDFA1 with an embedded RGB ICC profile; every font's program
// embedded; no transparency; no encryption; a document ID in the trailer; no LZW. It
// reads the file as it stands, incremental updates (a signature) included. An empty
// list is a pass. It is a check of these properties, not a full validator.
func Check(file []byte) (problems []Problem) {
	add := func(rule, format string, args ...any) {
		problems = append(problems, Problem{rule, fmt.Sprintf(format, args...)})
	}
	defer func() {
		if r := recover(); r != nil {
			problems = append(problems, Problem{RuleUnreadable, fmt.Sprintf("malformed PDF: %v", r)})
		}
	}()
	if len(file) < 16 || !bytes.HasPrefix(file, []byte("%PDF-")) {
		add(RuleUnreadable, "no PDF header")
		return problems
	}
	if err := signature.Readable(file); err != nil {
		add(RuleUnreadable, "%v", err)
		return problems
	}
	if !binaryMarker(file) {
		add(RuleHeader, "the header is not followed by a comment of four bytes above 127")
	}
	r, err := pdf.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		if bytes.Contains(file, []byte("/Encrypt")) {
			add(RuleEncrypt, "the file is encrypted: %v", err)
		}
		add(RuleUnreadable, "%v", err)
		return problems
	}
	trailer := r.Trailer()
	if trailer.Key("Encrypt").Kind() != pdf.Null {
		add(RuleEncrypt, "the trailer has /Encrypt")
	}
	if id := trailer.Key("ID"); id.Kind() != pdf.Array || id.Len() != 2 || id.Index(0).Kind() != pdf.String || id.Index(1).Kind() != pdf.String || id.Index(0).RawString() == "" {
		add(RuleID, "the trailer has no /ID of two strings")
	}
	root := trailer.Key("Root")
	if root.Kind() != pdf.Dict {
		add(RuleUnreadable, "no document catalog")
		return problems
	}
	checkMetadata(root.Key("Metadata"), trailer.Key("Info"), add)
	checkOutputIntent(root.Key("OutputIntents"), add)
	w := walker{seen: map[string]bool{}, add: add}
	w.walk(trailer, "", 0)
	if w.count >= maxValues {
		add(RuleUnreadable, "more than %d objects", maxValues)
	}
	return problems
}

// binaryMarker reports the comment of at least four bytes above 127 on the line after
// the header (PDF/A-2 6.1.2).
func binaryMarker(file []byte) bool {
	i := bytes.IndexAny(file, "\r\n")
	if i < 0 || i > 16 {
		return false
	}
	rest := bytes.TrimLeft(file[i:], "\r\n")
	if len(rest) < 5 || rest[0] != '%' {
		return false
	}
	for _, c := range rest[1:5] {
		if c < 128 {
			return false
		}
	}
	return true
}

// readStream reads a stream's decoded content, at most limit bytes.
func readStream(v pdf.Value, limit int64) ([]byte, error) {
	rc := v.Reader()
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("longer than %d bytes", limit)
	}
	return b, nil
}

func checkMetadata(meta, info pdf.Value, add func(rule, format string, args ...any)) {
	if meta.Kind() != pdf.Stream || meta.Key("Subtype").Name() != "XML" {
		add(RuleMetadata, "the catalog has no XML /Metadata stream")
		return
	}
	if f := meta.Key("Filter"); f.Kind() != pdf.Null {
		// readable compressed too, but archive tools read the packet as it stands
		add(RuleMetadata, "the metadata stream is compressed (%v)", f)
		return
	}
	b, err := readStream(meta, maxMetadata)
	if err != nil {
		add(RuleMetadata, "the metadata stream: %v", err)
		return
	}
	x, err := ParseXMP(b)
	if err != nil {
		add(RuleMetadata, "the metadata: %v", err)
		return
	}
	if x.Part != "2" || !strings.EqualFold(x.Conformance, "B") {
		add(RuleMetadata, "pdfaid:part %q, pdfaid:conformance %q, want 2 and B", x.Part, x.Conformance)
	}
	// PDF/A-2 6.6.3: the Info entries and their XMP counterparts are equivalent
	if info.Kind() != pdf.Dict {
		return
	}
	for _, f := range []struct{ key, xmp, name string }{
		{"Title", x.Title, "dc:title"}, {"Author", x.Creator, "dc:creator"}, {"Subject", x.Description, "dc:description"},
		{"Keywords", x.Keywords, "pdf:Keywords"}, {"Creator", x.CreatorTool, "xmp:CreatorTool"}, {"Producer", x.Producer, "pdf:Producer"},
	} {
		if v := info.Key(f.key); v.Kind() == pdf.String && v.Text() != f.xmp {
			add(RuleInfo, "Info /%s %q, %s %q", f.key, v.Text(), f.name, f.xmp)
		}
	}
	for _, f := range []struct{ key, xmp, name string }{
		{"CreationDate", x.CreateDate, "xmp:CreateDate"}, {"ModDate", x.ModifyDate, "xmp:ModifyDate"},
	} {
		v := info.Key(f.key)
		if v.Kind() != pdf.String {
			continue
		}
		d, okD := ParsePDFDate(v.RawString())
		t, errT := time.Parse(time.RFC3339, f.xmp)
		_, offD := d.Zone()
		_, offT := t.Zone()
		if !okD || errT != nil || !d.Equal(t) || offD != offT {
			add(RuleInfo, "Info /%s %q, %s %q", f.key, v.RawString(), f.name, f.xmp)
		}
	}
}

var rePDFDate = regexp.MustCompile(`^D:(\d{14})(Z|[+-]\d{2}'\d{2}'?)?$`)

// ParsePDFDate reads a PDF date with seconds and a time zone (D:20261207103000+01'00');
// without a time zone it is not comparable and reported as not read.
func ParsePDFDate(s string) (time.Time, bool) {
	m := rePDFDate.FindStringSubmatch(s)
	if m == nil || m[2] == "" {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102150405", m[1])
	if err != nil {
		return time.Time{}, false
	}
	if m[2] == "Z" {
		return t, true
	}
	h, _ := strconv.Atoi(m[2][1:3])
	mi, _ := strconv.Atoi(m[2][4:6])
	off := h*3600 + mi*60
	if m[2][0] == '-' {
		off = -off
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.FixedZone("", off)), true
}

func checkOutputIntent(intents pdf.Value, add func(rule, format string, args ...any)) {
	for i := 0; i < intents.Len() && i < 16; i++ {
		oi := intents.Index(i)
		if oi.Key("S").Name() != "GTS_PDFA1" {
			continue
		}
		p := oi.Key("DestOutputProfile")
		if p.Kind() != pdf.Stream {
			add(RuleOutputIntent, "the GTS_PDFA1 output intent has no profile")
			return
		}
		if p.Key("N").Int64() != 3 {
			add(RuleOutputIntent, "the profile has /N %d, want 3 (RGB)", p.Key("N").Int64())
		}
		b, err := readStream(p, maxProfile)
		if err != nil {
			add(RuleOutputIntent, "the profile: %v", err)
			return
		}
		if len(b) < 132 || string(b[36:40]) != "acsp" || string(b[16:20]) != "RGB " || int(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3])) != len(b) {
			add(RuleOutputIntent, "the profile is not an RGB ICC profile")
		}
		return
	}
	add(RuleOutputIntent, "the catalog has no GTS_PDFA1 output intent")
}

// walker visits every object reachable from the trailer once.
type walker struct {
	seen  map[string]bool
	count int
	add   func(rule, format string, args ...any)
}

func (w *walker) walk(v pdf.Value, parentPtr string, depth int) {
	if w.count >= maxValues || depth > maxDepth {
		return
	}
	kind := v.Kind()
	if kind != pdf.Dict && kind != pdf.Stream && kind != pdf.Array {
		return
	}
	w.count++
	// a value in another object than its parent was reached by reference: each such
	// object is visited once
	ptr := fmt.Sprint(v.GetPtr())
	if ptr != parentPtr {
		if w.seen[ptr] {
			return
		}
		w.seen[ptr] = true
	}
	if kind == pdf.Array {
		for i := 0; i < v.Len() && w.count < maxValues; i++ {
			w.walk(v.Index(i), ptr, depth+1)
		}
		return
	}
	w.inspect(v)
	for _, k := range v.Keys() {
		if k == "Parent" || k == "P" {
			continue // back up the tree: reached from above anyway
		}
		w.walk(v.Key(k), ptr, depth+1)
	}
}

// inspect checks one dictionary or stream.
func (w *walker) inspect(v pdf.Value) {
	if v.Kind() == pdf.Stream {
		f := v.Key("Filter")
		for i := 0; i < max(f.Len(), 1); i++ {
			name := f.Name()
			if f.Kind() == pdf.Array {
				name = f.Index(i).Name()
			}
			if name == "LZWDecode" || name == "LZW" {
				w.add(RuleLZW, "a stream (%v) is LZW-compressed", v.GetPtr())
			}
		}
	}
	if m := v.Key("SMask"); m.Kind() != pdf.Null && !(m.Kind() == pdf.Name && m.Name() == "None") {
		w.add(RuleTransparency, "a soft mask in %v", v.GetPtr())
	}
	for _, k := range []string{"CA", "ca"} {
		if a := v.Key(k); (a.Kind() == pdf.Real || a.Kind() == pdf.Integer) && a.Float64() < 1 {
			w.add(RuleTransparency, "/%s %v in %v", k, a.Float64(), v.GetPtr())
		}
	}
	if bm := v.Key("BM"); bm.Kind() != pdf.Null {
		name := bm.Name()
		if bm.Kind() == pdf.Array && bm.Len() > 0 {
			name = bm.Index(0).Name()
		}
		if name != "Normal" && name != "Compatible" {
			w.add(RuleTransparency, "blend mode %v in %v", bm, v.GetPtr())
		}
	}
	if g := v.Key("Group"); g.Kind() == pdf.Dict && g.Key("S").Name() == "Transparency" {
		w.add(RuleTransparency, "a transparency group in %v", v.GetPtr())
	}
	if v.Key("Type").Name() == "Font" {
		switch st := v.Key("Subtype").Name(); st {
		case "Type0", "Type3":
			// a Type 0 font's program is its descendant's, visited on its own; a Type 3
			// font is drawn by content streams in the file
		default:
			fd := v.Key("FontDescriptor")
			if fd.Key("FontFile").Kind() != pdf.Stream && fd.Key("FontFile2").Kind() != pdf.Stream && fd.Key("FontFile3").Kind() != pdf.Stream {
				w.add(RuleFont, "the font %s (%s) is not embedded", v.Key("BaseFont").Name(), st)
			}
		}
	}
}

// XMPInfo is what Check reads of an XMP packet.
type XMPInfo struct {
	Part, Conformance                    string
	Title, Creator, Description          string
	Keywords, Producer, CreatorTool      string
	CreateDate, ModifyDate, MetadataDate string
}

const (
	nsPDFAID = "http://www.aiim.org/pdfa/ns/id/"
	nsDC     = "http://purl.org/dc/elements/1.1/"
	nsXMP    = "http://ns.adobe.com/xap/1.0/"
	nsPDF    = "http://ns.adobe.com/pdf/1.3/"
	nsRDF    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
)

// ParseXMP reads the properties Check compares from an XMP packet, in either of RDF's
// forms (elements, or attributes of rdf:Description). For the dc arrays the first item
// is taken (the x-default language, the first author).
func ParseXMP(b []byte) (XMPInfo, error) {
	var x XMPInfo
	set := func(ns, local, value string) {
		var dst *string
		switch ns + local {
		case nsPDFAID + "part":
			dst = &x.Part
		case nsPDFAID + "conformance":
			dst = &x.Conformance
		case nsDC + "title":
			dst = &x.Title
		case nsDC + "creator":
			dst = &x.Creator
		case nsDC + "description":
			dst = &x.Description
		case nsPDF + "Keywords":
			dst = &x.Keywords
		case nsPDF + "Producer":
			dst = &x.Producer
		case nsXMP + "CreatorTool":
			dst = &x.CreatorTool
		case nsXMP + "CreateDate":
			dst = &x.CreateDate
		case nsXMP + "ModifyDate":
			dst = &x.ModifyDate
		case nsXMP + "MetadataDate":
			dst = &x.MetadataDate
		}
		if dst != nil && *dst == "" {
			*dst = strings.TrimSpace(value)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	// the property being read (an element under rdf:Description), how deep inside it
	// the reader is, how many rdf:li items it has met and its text so far
	var prop xml.Name
	var text strings.Builder
	depth, items, sawDescription := 0, 0, false
	for tokens := 0; ; tokens++ {
		if tokens > 100000 {
			return x, fmt.Errorf("too many XML tokens")
		}
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return x, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case depth > 0:
				depth++
				if t.Name.Space == nsRDF && t.Name.Local == "li" {
					items++
				}
			case t.Name.Space == nsRDF && t.Name.Local == "Description":
				sawDescription = true
				for _, a := range t.Attr {
					set(a.Name.Space, a.Name.Local, a.Value)
				}
			case sawDescription && t.Name.Space != nsRDF:
				prop, depth, items = t.Name, 1, 0
				text.Reset()
			}
		case xml.CharData:
			if depth > 0 && items <= 1 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth > 0 {
				depth--
				if depth == 0 {
					set(prop.Space, prop.Local, text.String())
				}
			}
		}
	}
	if !sawDescription {
		return x, fmt.Errorf("no rdf:Description")
	}
	return x, nil
}
