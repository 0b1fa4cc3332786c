package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// Limits that no real mail comes near and that keep a crafted file from eating the
// machine: nested multiparts (real mail nests three or four deep, forwarded chains a
// few more), MIME headers read in one mail, envelopes inside envelopes.
const (
	maxDepth      = 24
	maxMediaTypes = 5000
	maxEnvelopes  = 2
	// maxDashLines bounds the lines that could be MIME boundaries: enmime links each
	// part to the end of its siblings' list, so tens of thousands of empty parts
	// would take minutes.
	maxDashLines = 4000
)

// reader reads one file; it counts what enmime parses so that a mail of thousands of
// nested parts is refused before it recurses that deep.
type reader struct {
	mediaTypes int
}

var errTooManyParts = errors.New("more MIME parts than any real e-mail has")

// parts reads raw into enmime's part tree. The content is left as it is in the file
// (RawContent): transfer encodings and charsets are undone here, with rules that tell
// a damaged file from a merely sloppy one.
func (r *reader) parts(raw []byte) (*enmime.Part, error) {
	if dashLines(raw) > maxDashLines {
		return nil, errTooManyParts
	}
	p := enmime.NewParser(
		enmime.RawContent(true),
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.MaxStoredPartErrors(200),
		enmime.SetCustomParseMediaType(r.mediaType),
	)
	root, err := p.ReadParts(bytes.NewReader(raw))
	if r.mediaTypes > maxMediaTypes {
		return nil, errTooManyParts
	}
	if err != nil {
		return nil, err
	}
	return root, nil
}

// dashLines counts the lines that start with "--".
func dashLines(b []byte) int {
	n := 0
	if bytes.HasPrefix(b, []byte("--")) {
		n++
	}
	for {
		i := bytes.Index(b, []byte("\n--"))
		if i < 0 {
			return n
		}
		n++
		b = b[i+3:]
	}
}

// mediaType is enmime's tolerant media type parser, counted, and kinder still: a
// Content-Type that cannot be parsed but names a type keeps the part (as that type)
// rather than dropping it.
func (r *reader) mediaType(ctype string) (string, map[string]string, []string, error) {
	r.mediaTypes++
	if r.mediaTypes > maxMediaTypes {
		return "", nil, nil, errTooManyParts
	}
	mtype, params, invalid, err := mediatype.ParseWithOptions(ctype, mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true})
	if err != nil {
		first, _, _ := strings.Cut(ctype, ";")
		first = strings.ToLower(strings.TrimSpace(first))
		if strings.Count(first, "/") == 1 && !strings.ContainsAny(first, " \t\"") {
			return first, map[string]string{}, nil, nil
		}
		return "", nil, nil, err
	}
	return strings.ToLower(mtype), params, invalid, nil
}

// fatal tells which of enmime's findings lose part of the mail: a part it had to skip.
// Everything else (a missing closing boundary, a header line it repaired, a part with
// a stray boundary parameter) loses nothing and is tolerated.
func fatal(root *enmime.Part) error {
	var found error
	root.DepthMatchAll(func(p *enmime.Part) bool {
		for _, e := range p.Errors {
			if found == nil && e.Severe && e.Name == enmime.ErrorMalformedChildPart {
				found = errors.New(e.Error())
			}
		}
		return false
	})
	return found
}

// walker gathers the text and the files of a part tree.
type walker struct {
	r           *reader
	plain, html string
	files       []Attachment
	n           int
	// damaged is the first attached file whose encoding is broken.
	damaged string
}

// partInfo is what a MIME part says about itself, read from its raw header.
type partInfo struct {
	media, charset, name, disposition string
	flowed, delsp                     bool
}

func (w *walker) info(p *enmime.Part) partInfo {
	in := partInfo{media: strings.ToLower(p.ContentType)}
	var ctParams map[string]string
	ct := headerText(p.Header.Get("Content-Type"))
	if ct != "" {
		_, ctParams, _, _ = mediatype.Parse(ct)
	}
	if d := headerText(p.Header.Get("Content-Disposition")); d != "" {
		disp, dp, _, err := mediatype.Parse(d)
		if err == nil {
			in.disposition = strings.ToLower(disp)
			in.name = fileName(dp["filename"])
		} else if strings.HasPrefix(strings.ToLower(strings.TrimSpace(d)), "attachment") {
			in.disposition = "attachment"
		}
		if n := rfc2231(d, "filename"); n != "" {
			in.name = fileName(n)
		}
	}
	if in.name == "" {
		in.name = fileName(ctParams["name"])
		if n := rfc2231(ct, "name"); n != "" {
			in.name = fileName(n)
		}
	}
	in.charset = ctParams["charset"]
	in.flowed = strings.EqualFold(ctParams["format"], "flowed")
	in.delsp = strings.EqualFold(ctParams["delsp"], "yes")
	return in
}

// walk reads one MIME entity: a multipart is walked, the first text part that is not
// an attachment is the body (a later plain part in a multipart/mixed is added to it: a
// message split around a picture), everything else is an attached file.
func (w *walker) walk(p *enmime.Part, depth int, inAlternative *bool) error {
	if depth > maxDepth {
		return errors.New("MIME parts nested too deep")
	}
	in := w.info(p)
	if strings.HasPrefix(in.media, "multipart/") {
		if p.FirstChild == nil {
			if p.Boundary != "" {
				return fmt.Errorf("%s: boundary %q not found", in.media, p.Boundary)
			}
			return w.unbounded(p, in, depth)
		}
		var alt *bool
		if in.media == "multipart/alternative" {
			alt = new(bool)
		}
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if err := w.walk(c, depth+1, alt); err != nil {
				return err
			}
		}
		return nil
	}
	isText := in.media == "text/plain" || in.media == "text/html" || in.media == ""
	body := isText && in.disposition != "attachment" && in.name == ""
	content, damaged := decodeTransfer(p.Header.Get("Content-Transfer-Encoding"), p.Content, body)
	if body {
		text := toUTF8(content, in.charset)
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
		if in.flowed && in.media != "text/html" {
			text = unflow(text, in.delsp)
		}
		switch {
		case in.media == "text/html":
			if w.html == "" {
				w.html = text
			}
		case inAlternative != nil && *inAlternative:
			// a second plain alternative of the same text adds nothing
		case w.plain == "":
			w.plain = text
		default:
			w.plain += "\n\n" + text
		}
		if inAlternative != nil && in.media != "text/html" {
			*inAlternative = true
		}
		return nil
	}
	name := in.name
	if name == "" && in.media == "message/rfc822" {
		name = "message.eml"
	}
	if name == "" {
		w.n++
		name = fmt.Sprintf("attachment-%d%s", w.n, extension(in.media))
	}
	if damaged && w.damaged == "" {
		w.damaged = name
	}
	media := in.media
	if media == "" {
		media = "text/plain"
	}
	w.files = append(w.files, Attachment{Name: name, MIME: media, Content: content})
	return nil
}

// unbounded reads a multipart whose Content-Type has no boundary: the boundary is the
// first line of the body that starts with "--" and comes back closed ("--x--") or again.
func (w *walker) unbounded(p *enmime.Part, in partInfo, depth int) error {
	b := sniffBoundary(p.Content)
	if b == "" {
		return fmt.Errorf("%s without a boundary", in.media)
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "Content-Type: %s; boundary=\"%s\"\r\n\r\n", in.media, b)
	sub, err := w.r.parts(append(head.Bytes(), p.Content...))
	if err != nil {
		return err
	}
	if sub.FirstChild == nil {
		return fmt.Errorf("%s without a boundary", in.media)
	}
	if err := fatal(sub); err != nil {
		return err
	}
	return w.walk(sub, depth+1, nil)
}

func sniffBoundary(body []byte) string {
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimRight(line, " \t\r")
		if len(line) > 2 && len(line) <= 72 && bytes.HasPrefix(line, []byte("--")) {
			b := string(line[2:])
			if strings.ContainsAny(b, "\"\\") {
				return ""
			}
			if bytes.Count(body, line) >= 2 || bytes.Contains(body, append(line, '-', '-')) {
				return b
			}
			return ""
		}
	}
	return ""
}

// decodeTransfer undoes the Content-Transfer-Encoding. damaged tells that base64 had
// characters outside its alphabet or ended in the middle of a byte: the file is not
// what was sent. A missing final padding, odd line lengths, and several encoded pieces
// put one after the other are not damage.
func decodeTransfer(cte string, raw []byte, text bool) (out []byte, damaged bool) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(raw)
	case "quoted-printable":
		return decodeQP(raw, !text), false
	default: // 7bit, 8bit, binary, none, or a name no one knows
		return raw, false
	}
}

const (
	b64Skip    = 0xFE
	b64Pad     = 0xFD
	b64Invalid = 0xFF
)

var b64Values = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = b64Invalid
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63 // the URL alphabet, written by a few web gateways
	for _, c := range []byte(" \t\r\n\f\v") {
		t[c] = b64Skip
	}
	t['='] = b64Pad
	return t
}()

// decodeBase64 reads base64 quartet by quartet; it never indexes past what it wrote.
func decodeBase64(b []byte) (out []byte, damaged bool) {
	out = make([]byte, 0, len(b)/4*3+3)
	var q [4]byte
	n := 0
	flush := func() {
		switch n {
		case 1:
			damaged = true // six bits cannot make a byte: the data was cut
		case 2:
			out = append(out, q[0]<<2|q[1]>>4)
		case 3:
			out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
		}
		n = 0
	}
	for _, c := range b {
		switch v := b64Values[c]; v {
		case b64Skip:
		case b64Pad:
			flush()
		case b64Invalid:
			damaged = true
		default:
			q[n] = v
			n++
			if n == 4 {
				out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
				n = 0
			}
		}
	}
	flush()
	return out, damaged
}

// decodeQP reads quoted-printable leniently, as mail programs do: an "=" not followed
// by two hex digits stays as it is; trailing blanks are the transport's, not the text's.
func decodeQP(b []byte, crlf bool) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line := b
		nl := false
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b, nl = b[:i], b[i+1:], true
		} else {
			b = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		soft := false
		if len(line) > 0 && line[len(line)-1] == '=' {
			soft, line = true, line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if nl && !soft {
			if crlf {
				out = append(out, '\r')
			}
			out = append(out, '\n')
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// unflow joins the soft-broken lines of format=flowed text (RFC 3676, Apple Mail and
// Thunderbird): a line ending in a space goes on in the next one of the same quote depth.
func unflow(s string, delsp bool) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	open := false // the previous line was flowed and goes on
	prevDepth := 0
	for _, l := range lines {
		depth := 0
		for depth < len(l) && l[depth] == '>' {
			depth++
		}
		content := l[depth:]
		content = strings.TrimPrefix(content, " ") // space-stuffing
		if open && depth != prevDepth {
			b.WriteByte('\n')
			open = false
		}
		if !open && depth > 0 {
			b.WriteString(strings.Repeat(">", depth) + " ")
		}
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		b.WriteString(content)
		if !flowed {
			b.WriteByte('\n')
		}
		open, prevDepth = flowed, depth
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// headerText is a raw header value made into UTF-8 (raw 8-bit bytes as UTF-8 when
// they are, else windows-1252) with its Latin-1 encoded words relabelled.
func headerText(s string) string {
	if !utf8.ValidString(s) {
		s = toUTF8([]byte(s), "windows-1252")
	}
	return relabel(s)
}

// rfc2231 reads an extended parameter (RFC 2231: name*=charset'lang'%XX, maybe in
// numbered pieces) in any charset; the media type parser only knows UTF-8 and
// ASCII there and drops the others, which Outlook and Apple Mail write. "" if the
// header has no such parameter.
func rfc2231(header, param string) string {
	low := strings.ToLower(header)
	if !strings.Contains(low, param+"*") {
		return ""
	}
	pieces := map[int]string{}
	extended := map[int]bool{}
	for _, m := range rfc2231Param.FindAllStringSubmatch(header, 50) {
		if !strings.EqualFold(m[1], param) {
			continue
		}
		n := 0
		if m[2] != "" {
			var err error
			if n, err = strconv.Atoi(m[2]); err != nil || n > 50 {
				continue
			}
		}
		pieces[n] = strings.Trim(m[4], `"`)
		extended[n] = m[3] == "*" || m[2] == ""
	}
	first, ok := pieces[0]
	if !ok || !extended[0] {
		return ""
	}
	charset, rest, ok := strings.Cut(first, "'")
	if !ok {
		return ""
	}
	_, value, ok := strings.Cut(rest, "'")
	if !ok {
		return ""
	}
	var raw []byte
	raw = append(raw, unpercent(value)...)
	for i := 1; i < 50; i++ {
		v, ok := pieces[i]
		if !ok {
			break
		}
		if extended[i] {
			raw = append(raw, unpercent(v)...)
		} else {
			raw = append(raw, v...)
		}
	}
	return toUTF8(raw, charset)
}

var rfc2231Param = regexp.MustCompile(`(?i)(?:^|[;\s])([a-z]+)\*(?:(\d+)(\*)?)?\s*=\s*("[^"]*"|[^;\s]*)`)

func unpercent(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// fileName is an attachment's name as the sender meant it: RFC 2231 is already undone
// by the media type parser, encoded words (which many programs put in file names
// against the rules) are decoded here; folders and control characters are cut off.
func fileName(name string) string {
	name = decodeHeader(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len(name) > 255 {
		name = truncateUTF8(name, 255)
	}
	return name
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func extension(media string) string {
	switch media {
	case "", "text/plain":
		return ".txt"
	case "application/octet-stream":
		return ".bin"
	}
	if exts, _ := mime.ExtensionsByType(media); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// from reads the From header: the first address, its display name decoded wherever
// the encoded words stand (also inside quotes, where Outlook and some webmail put them).
// The words are decoded after the address is parsed, so that a decoded comma or quote
// cannot change what the address is.
func from(raw string) (name, addr string) {
	s := raw
	if !utf8.ValidString(s) {
		s = toUTF8([]byte(s), "windows-1252")
	}
	const shield = "\uE000?"
	p := mail.AddressParser{}
	if list, err := p.ParseList(strings.ReplaceAll(s, "=?", shield)); err == nil && len(list) > 0 {
		return cleanLine(decodeHeader(strings.ReplaceAll(list[0].Name, shield, "=?"))), strings.ReplaceAll(list[0].Address, shield, "=?")
	}
	// Some programs write addresses net/mail refuses (unquoted dots or commas in the
	// name): keep what can be read rather than refuse the mail.
	return looseAddress(decodeHeader(s))
}
