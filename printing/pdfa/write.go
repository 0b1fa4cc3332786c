// Package pdfa makes the office's PDFs archivable as PDF/A-2b (ISO 19005-2, level B:
// the pages look the same in any reader, for decades) and checks that a PDF is so.
// Archive makes a document written by the PDF library (printing.NewDocument) into
// PDF/A: XMP metadata that says so and repeats the document information exactly, an
// sRGB output intent with its ICC profile embedded, a document ID, a binary marker
// after the header. What the document must already be (every font embedded, no
// transparency, no encryption, no LZW) is the library's way of writing our documents,
// and Check verifies all of it on the bytes, also after the signature is added.
package pdfa

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Info is the document information: Archive writes it both into the PDF's Info
// dictionary and into the XMP metadata, which PDF/A requires to agree.
type Info struct {
	Title, Author, Subject, Keywords string
	Creator, Producer                string
	// Created is the creation (and modification) date; its location is kept as the
	// time zone written in both places.
	Created time.Time
}

var (
	reStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reRoot      = regexp.MustCompile(`/Root\s+(\d+)\s+0\s+R`)
	reInfo      = regexp.MustCompile(`/Info\s+(\d+)\s+0\s+R`)
	rePages     = regexp.MustCompile(`/Pages\s+(\d+)\s+0\s+R`)
)

// Archive rewrites doc, a PDF as the PDF library writes it (one body, a classic cross-
// reference table), as PDF/A-2b with info. Every object keeps its number and its bytes
// except the catalog and the document information, which are written anew; the new
// objects (metadata, ICC profile, output intent) come after them. A document using what
// the letters never use (outlines, forms, scripts, attached files, encryption) is
// refused rather than half converted.
func Archive(doc []byte, info Info) ([]byte, error) {
	info = info.clean()
	if !bytes.HasPrefix(doc, []byte("%PDF-1.")) {
		return nil, errors.New("pdfa: not a PDF")
	}
	m := reStartXref.FindSubmatch(doc)
	if m == nil {
		return nil, errors.New("pdfa: no startxref")
	}
	xrefAt, err := strconv.Atoi(string(m[1]))
	if err != nil || xrefAt <= 0 || xrefAt >= len(doc) || !bytes.HasPrefix(doc[xrefAt:], []byte("xref")) {
		return nil, errors.New("pdfa: no cross-reference table where startxref says")
	}
	trailerAt := bytes.Index(doc[xrefAt:], []byte("trailer"))
	if trailerAt < 0 {
		return nil, errors.New("pdfa: no trailer")
	}
	trailer := doc[xrefAt+trailerAt:]
	if bytes.Contains(trailer, []byte("/Encrypt")) || bytes.Contains(trailer, []byte("/Prev")) {
		return nil, errors.New("pdfa: an encrypted or updated document")
	}
	offsets, err := xrefOffsets(doc[xrefAt : xrefAt+trailerAt])
	if err != nil {
		return nil, err
	}
	root, info0 := reRoot.FindSubmatch(trailer), reInfo.FindSubmatch(trailer)
	if root == nil || info0 == nil {
		return nil, errors.New("pdfa: the trailer names no catalog or no document information")
	}
	rootN, _ := strconv.Atoi(string(root[1]))
	infoN, _ := strconv.Atoi(string(info0[1]))

	// each object runs from its offset to the next object's (the library writes
	// nothing between them), the last to the cross-reference table
	nums := make([]int, 0, len(offsets))
	for n := range offsets {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return offsets[nums[i]] < offsets[nums[j]] })
	objs := map[int][]byte{}
	for i, n := range nums {
		end := xrefAt
		if i+1 < len(nums) {
			end = offsets[nums[i+1]]
		}
		start := offsets[n]
		if start < 0 || start >= end || end > len(doc) {
			return nil, fmt.Errorf("pdfa: object %d out of place", n)
		}
		body := doc[start:end]
		if !bytes.HasPrefix(body, []byte(strconv.Itoa(n)+" 0 obj")) {
			return nil, fmt.Errorf("pdfa: object %d is not at its offset", n)
		}
		objs[n] = body
	}
	catalog, ok := objs[rootN]
	if !ok {
		return nil, errors.New("pdfa: no catalog")
	}
	if _, ok := objs[infoN]; !ok {
		return nil, errors.New("pdfa: no document information")
	}
	for _, unknown := range []string{"/Outlines", "/AcroForm", "/JavaScript", "/OCProperties", "/OpenAction", "(Attachement"} {
		if bytes.Contains(catalog, []byte(unknown)) {
			return nil, fmt.Errorf("pdfa: the catalog has %s", unknown)
		}
	}
	pages := rePages.FindSubmatch(catalog)
	if pages == nil {
		return nil, errors.New("pdfa: the catalog has no pages")
	}

	size := 0
	for _, n := range nums {
		size = max(size, n+1)
	}
	metaN, iccN, intentN := size, size+1, size+2
	size += 3

	var out bytes.Buffer
	// The header's second line, a comment of bytes above 127, marks the file binary
	// (PDF/A-2 6.1.2); version 1.7 is PDF/A-2's base.
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	newOffsets := make([]int, size)
	put := func(n int, body string) {
		newOffsets[n] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	for n := 1; n < metaN; n++ {
		switch n {
		case rootN:
			put(n, fmt.Sprintf("<< /Type /Catalog /Pages %s 0 R /Metadata %d 0 R /OutputIntents [%d 0 R] >>", pages[1], metaN, intentN))
		case infoN:
			put(n, infoDict(info))
		default:
			body, ok := objs[n]
			if !ok {
				return nil, fmt.Errorf("pdfa: object %d missing", n)
			}
			newOffsets[n] = out.Len()
			out.Write(body)
		}
	}
	xmp := XMP(info)
	put(metaN, fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream", len(xmp), xmp))
	icc := deflate(sRGB)
	put(iccN, fmt.Sprintf("<< /N 3 /Alternate /DeviceRGB /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(icc), icc))
	put(intentN, fmt.Sprintf("<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier %s /Info %s /RegistryName (http://www.color.org) /DestOutputProfile %d 0 R >>",
		pdfString(ICCName), pdfString(ICCName), iccN))

	// The document ID is the digest of the content, so the same letter gives the same
	// file (both halves alike: the file as first written).
	sum := sha256.Sum256(out.Bytes())
	id := hex.EncodeToString(sum[:16])
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", size)
	for n := 1; n < size; n++ {
		fmt.Fprintf(&out, "%010d 00000 n \n", newOffsets[n])
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		size, rootN, infoN, id, id, xref)
	return out.Bytes(), nil
}

// xrefOffsets reads a cross-reference table of one section from 0.
func xrefOffsets(table []byte) (map[int]int, error) {
	lines := strings.Split(strings.ReplaceAll(string(table), "\r", "\n"), "\n")
	out := map[int]int{}
	n, count := -1, 0
	for _, line := range lines[1:] { // "xref"
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 2 && n < 0:
			first, err1 := strconv.Atoi(f[0])
			c, err2 := strconv.Atoi(f[1])
			if err1 != nil || err2 != nil || first != 0 {
				return nil, errors.New("pdfa: a cross-reference table of several sections")
			}
			n, count = 0, c
		case len(f) == 3 && n >= 0 && n < count:
			off, err := strconv.Atoi(f[0])
			if err != nil {
				return nil, errors.New("pdfa: a damaged cross-reference table")
			}
			if f[2] == "n" {
				out[n] = off
			}
			n++
		default:
			return nil, errors.New("pdfa: a damaged cross-reference table")
		}
	}
	if n != count || count == 0 {
		return nil, errors.New("pdfa: a short cross-reference table")
	}
	return out, nil
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// infoDict is the document information dictionary.
func infoDict(in Info) string {
	var b strings.Builder
	b.WriteString("<<")
	for _, kv := range [][2]string{{"Title", in.Title}, {"Author", in.Author}, {"Subject", in.Subject},
		{"Keywords", in.Keywords}, {"Creator", in.Creator}, {"Producer", in.Producer}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " /%s %s", kv[0], pdfString(kv[1]))
		}
	}
	d := pdfDate(in.Created)
	fmt.Fprintf(&b, " /CreationDate %s /ModDate %s >>", pdfString(d), pdfString(d))
	return b.String()
}

// pdfString is a PDF text string: literal when it is printable ASCII, else UTF-16BE
// with its byte order mark, in hex.
func pdfString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
		return "(" + r.Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// pdfDate is a PDF date with its time zone: D:20261207103000+01'00'.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	if off == 0 {
		return "D:" + t.Format("20060102150405") + "Z"
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// xmpDate is the same instant as pdfDate, in the XMP form: 2026-12-07T10:30:00+01:00.
func xmpDate(t time.Time) string {
	return t.Format("2006-01-02T15:04:05Z07:00")
}

// clean replaces what XML cannot carry (control characters) with spaces, in every
// field, so that the Info dictionary and the XMP say the same.
func (in Info) clean() Info {
	c := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff || r == utf8.RuneError {
				return ' '
			}
			return r
		}, s)
	}
	in.Title, in.Author, in.Subject, in.Keywords = c(in.Title), c(in.Author), c(in.Subject), c(in.Keywords)
	in.Creator, in.Producer = c(in.Creator), c(in.Producer)
	return in
}

// XMP is the metadata packet of a PDF/A-2b document with info.
func XMP(in Info) []byte {
	in = in.clean()
	esc := func(s string) string {
		var b bytes.Buffer
		for _, r := range s {
			switch {
			case r == '&':
				b.WriteString("&amp;")
			case r == '<':
				b.WriteString("&lt;")
			case r == '>':
				b.WriteString("&gt;")
			default:
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	d := xmpDate(in.Created)
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
`)
	if in.Title != "" {
		fmt.Fprintf(&b, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:title>\n", esc(in.Title))
	}
	if in.Author != "" {
		fmt.Fprintf(&b, "<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n", esc(in.Author))
	}
	if in.Subject != "" {
		fmt.Fprintf(&b, "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:description>\n", esc(in.Subject))
	}
	if in.Keywords != "" {
		fmt.Fprintf(&b, "<pdf:Keywords>%s</pdf:Keywords>\n", esc(in.Keywords))
	}
	if in.Producer != "" {
		fmt.Fprintf(&b, "<pdf:Producer>%s</pdf:Producer>\n", esc(in.Producer))
	}
	if in.Creator != "" {
		fmt.Fprintf(&b, "<xmp:CreatorTool>%s</xmp:CreatorTool>\n", esc(in.Creator))
	}
	fmt.Fprintf(&b, "<xmp:CreateDate>%s</xmp:CreateDate>\n<xmp:ModifyDate>%s</xmp:ModifyDate>\n<xmp:MetadataDate>%s</xmp:MetadataDate>\n", d, d, d)
	b.WriteString("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n")
	// room for an editor to update the packet in place, as XMP recommends
	b.WriteString(strings.Repeat(strings.Repeat(" ", 99)+"\n", 10))
	b.WriteString(`<?xpacket end="w"?>`)
	return []byte(b.String())
}
