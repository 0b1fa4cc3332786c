package data

import (
	"bytes"
	"compress/flate"
	"database/sql/driver"
	"errors"
	"io"
	"sync"

	kflate "github.com/klauspost/compress/flate"
	"modernc.org/sqlite"
)

// The audit trail's changes are most of the register: every value a case ever had, as
// JSON text (field → [old, new]). From format 13 the changes column keeps that text
// compressed when compressing pays: a BLOB of one format byte and a raw DEFLATE stream
// primed with changesDict, the field names and the words the register itself writes
// (statuses, kinds, channels…). Short entries stay TEXT, as before. The hash chain, the
// redaction digests, the exchange and every reader go on seeing the same text, byte
// for byte: the column is only how it is kept. A SQLite TEXT value is always the plain
// form, so an entry written by an older program (or by hand) reads as what it says.

// changesDeflate marks the format: the dictionary below, as it is. Any other
// dictionary needs a new format byte, or older entries would no longer decode.
const changesDeflate = 1

// changesDict is the preset dictionary; DEFLATE reaches back into it as if it had come
// before each entry's text, so the field names cost a few bits where they would cost
// their length. Nearest the end what is most frequent (shortest distances).
const changesDict = `"backup_dir":["","` + `"backup_keep":["","` + `"retention_years":["","` +
	`"closure":["","` + `"linked":["","` + `"unlinked":["","` + `"attachment":["","` +
	`"outcome":["","` + `"letter.` + `number":["","` + `"letter.` + `language":["","it"],` +
	`"status":["in_progress","waiting"],"status":["waiting","in_progress"],` +
	`"status":["received","in_progress"],"status":["in_progress","answered"],` +
	`"waiting_since":["","` + `"waiting_since":["` + `"citizen_email":["","` +
	`"citizen_phone":["","+39 ` + `"kind":["","proposal"],"kind":["","report"],"kind":["","praise"],` +
	`"kind":["","request"],"kind":["","complaint"],"kind":["","suggestion"],` +
	`"channel":["","pec"],"channel":["","other"],"channel":["","email"],"channel":["","phone"],` +
	`"channel":["","letter"],"channel":["","counter"],` +
	`{"answered_at":["","` + `"],"reply_at":["","` + `"],"reply_language":["","de"],"reply_language":["","it"],"reply_text":["","` +
	`"],"status":["received","answered"]}` + `{"closed_at":["","` + `"],"status":["answered","closed"]}` +
	`{"assignee":["","` + `"],"category":["","` + `"],"channel":["","` + `"],"citizen_address":["","` +
	`"],"citizen_language":["","de"],"citizen_language":["","it"],"citizen_name":["","` +
	`"],"deadline_days":["","` + `"],"description":["","` + `"],"due_date":["","20` +
	`"],"kind":["","` + `"],"number":["","` + `"],"office":["","` + `"],"received_at":["","20` +
	`"],"satisfaction":["","0"],"service":["","` + `"],"status":["","received"],"subject":["","` +
	`"],"waited_days":["","0"]}`

// changesLimit bounds what one entry may inflate to: an edited BLOB must not make a
// reader allocate without end. No entry the program writes comes near it.
const changesLimit = 64 << 20

// Entries are compressed with klauspost/compress's DEFLATE: the standard library's
// writer clears half a megabyte of hash tables on every Reset, 41 µs an entry against
// 9 µs here for the same bytes; the stream is plain DEFLATE, read back by the standard
// library's reader below.
var (
	deflaters = sync.Pool{New: func() any {
		w, err := kflate.NewWriterDict(io.Discard, 3, []byte(changesDict))
		if err != nil {
			panic(err) // only for a level out of range
		}
		return w
	}}
	inflaters = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), []byte(changesDict)) }}
)

// packChanges is what the changes column keeps of an entry's changes: the compressed
// BLOB when it is shorter, else the text itself.
func packChanges(text string) any {
	if len(text) < 24 { // a few bytes of stream and marker would eat the gain
		return text
	}
	var buf bytes.Buffer
	buf.Grow(len(text)/2 + 8)
	buf.WriteByte(changesDeflate)
	w := deflaters.Get().(*kflate.Writer)
	w.Reset(&buf)
	_, werr := io.WriteString(w, text)
	cerr := w.Close()
	deflaters.Put(w)
	if werr != nil || cerr != nil || buf.Len() >= len(text) {
		return text
	}
	return buf.Bytes()
}

var errChanges = errors.New("audit changes: not a known encoding")

// unpackChanges is an entry's changes text from what the column keeps (TEXT or BLOB).
func unpackChanges(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []byte:
		if len(x) == 0 || x[0] != changesDeflate {
			return "", errChanges
		}
		r := inflaters.Get().(io.ReadCloser)
		defer inflaters.Put(r)
		if err := r.(flate.Resetter).Reset(bytes.NewReader(x[1:]), []byte(changesDict)); err != nil {
			return "", err
		}
		var out bytes.Buffer
		out.Grow(len(x) * 3)
		n, err := io.Copy(&out, io.LimitReader(r, changesLimit+1))
		if err != nil {
			return "", err
		}
		if n > changesLimit {
			return "", errChanges
		}
		return out.String(), nil
	}
	return "", errChanges
}

// The SQL function audit_changes(changes) gives the text to queries (history, stats,
// the change log; also an operation's fields, kept the same way) in every connection
// this program opens. An entry that does not
// decode reads as empty: verify, which decodes each entry itself, reports it.
func init() {
	err := sqlite.RegisterDeterministicScalarFunction("audit_changes", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if args[0] == nil {
			return nil, nil // NULL stays NULL (an operation's fields kept in its entry)
		}
		kept, ok := args[0].([]byte)
		if !ok {
			s, _ := unpackChanges(args[0])
			return s, nil
		}
		if s, ok := recentChanges.get(kept); ok {
			return s, nil
		}
		s, err := unpackChanges(kept)
		if err != nil {
			return "", nil
		}
		recentChanges.put(kept, s)
		return s, nil
	})
	if err != nil {
		panic(err)
	}
}

// recentChanges remembers the last entries inflated: a query that names the changes
// more than once per row (the statistics filter with LIKE and NOT LIKE, then reads
// them) inflates each entry once, not three times.
var recentChanges changesCache

type changesCache struct {
	mu    sync.Mutex
	next  int
	slots [8]struct{ kept, text string }
}

func (c *changesCache) get(kept []byte) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, sl := range c.slots {
		if sl.kept == string(kept) && sl.kept != "" {
			return sl.text, true
		}
	}
	return "", false
}

func (c *changesCache) put(kept []byte, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots[c.next] = struct{ kept, text string }{string(kept), text}
	c.next = (c.next + 1) % len(c.slots)
}
