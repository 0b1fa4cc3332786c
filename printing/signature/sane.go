package signature

import (
	"bytes"
	"errors"
	"strconv"
)

// maxObjects bounds the object numbers and counts a PDF may declare: the PDF reader
// sizes its tables and loops by them before it finds out whether the file holds that
// many objects, so one changed digit ("xref 229999999 3") would have it allocate
// gigabytes. Letters have a few dozen objects; a million leaves room for any document.
const maxObjects = 1 << 20

// sane refuses the shapes of a PDF that make the PDF reader allocate or loop without
// bound: huge first object numbers of cross-reference subsections, huge /Size, /Index,
// /W and /N numbers (cross-reference and object streams), an object stream's /N given
// indirectly, and /Extends chains of object streams, which the reader follows with no
// end when they loop (no common producer writes them).
func sane(file []byte) error {
	if bytes.Contains(file, []byte("/Extends")) {
		return errors.New("object streams extending others are not read")
	}
	for at := 0; ; {
		i := bytes.Index(file[at:], []byte("xref"))
		if i < 0 {
			break
		}
		i += at
		at = i + 4
		if i > 0 && regular(file[i-1]) || at < len(file) && regular(file[at]) {
			continue // part of startxref or of another word
		}
		if err := xrefTable(file[at:]); err != nil {
			return err
		}
	}
	objStm := bytes.Contains(file, []byte("/ObjStm"))
	for _, name := range []string{"/Size", "/N", "/Index", "/W"} {
		for at := 0; ; {
			i := bytes.Index(file[at:], []byte(name))
			if i < 0 {
				break
			}
			at += i + len(name)
			if at < len(file) && regular(file[at]) {
				continue // a longer name
			}
			t := tokens{b: file[at:]}
			first := t.next()
			if string(first) == "[" {
				for k := 0; k < 64; k++ {
					n, ok := t.int()
					if !ok {
						break
					}
					if n > maxObjects {
						return errors.New(name + " too large")
					}
				}
				continue
			}
			n, ok := atoi(first)
			if !ok {
				continue
			}
			if n > maxObjects {
				return errors.New(name + " too large")
			}
			if name == "/N" && objStm {
				if _, ok := t.int(); ok && string(t.next()) == "R" {
					return errors.New("an indirect /N beside object streams")
				}
			}
		}
	}
	return nil
}

// xrefTable checks the subsection headers of a cross-reference table (b starts after
// the keyword xref) as the reader will read them.
func xrefTable(b []byte) error {
	t := tokens{b: b}
	for {
		start, ok := t.int()
		if !ok {
			return nil
		}
		count, ok := t.int()
		if !ok {
			return nil
		}
		if start > maxObjects {
			return errors.New("cross-reference subsection numbers too large")
		}
		for k := int64(0); k < count; k++ {
			_, ok1 := t.int()
			_, ok2 := t.int()
			if f := string(t.next()); !ok1 || !ok2 || f != "f" && f != "n" {
				return nil // the reader stops there
			}
		}
	}
}

// regular: not PDF white space nor a delimiter.
func regular(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ', '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

// tokens splits bytes at white space and delimiters, enough to read numbers, brackets
// and keywords.
type tokens struct{ b []byte }

func (t *tokens) next() []byte {
	for len(t.b) > 0 && !regular(t.b[0]) && t.b[0] != '[' && t.b[0] != ']' {
		t.b = t.b[1:]
	}
	if len(t.b) == 0 {
		return nil
	}
	if t.b[0] == '[' || t.b[0] == ']' {
		tok := t.b[:1]
		t.b = t.b[1:]
		return tok
	}
	i := 0
	for i < len(t.b) && regular(t.b[i]) {
		i++
	}
	tok := t.b[:i]
	t.b = t.b[i:]
	return tok
}

// int reads an integer token; a token that is not one is consumed all the same.
func (t *tokens) int() (int64, bool) {
	return atoi(t.next())
}

// atoi reads an integer as the reader does; one beyond int64 the reader refuses itself.
func atoi(tok []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(tok), 10, 64)
	return n, err == nil
}
