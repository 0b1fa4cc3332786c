package data

import (
	"errors"
	"fmt"
	"strings"
)

// Problem is a refusal a person must read: bad input, an illegal move, a register that
// cannot be opened. It carries a translation key and named arguments rather than text,
// because the register does not know the clerk's language; the CLI and the window look
// the key up in translations/. Error() gives an English-ish fallback for logs.
type Problem struct {
	Key  string
	Args map[string]string
	// Line is the line (or record) of an import file the problem was found on; 0 if none.
	Line int
	// Err is the underlying cause, if any, for logs.
	Err error
}

// Problemf builds a Problem from a key and name/value pairs.
func Problemf(key string, kv ...string) *Problem {
	p := &Problem{Key: key, Args: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Args[kv[i]] = kv[i+1]
	}
	return p
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	b.WriteString(p.Key)
	for k, v := range p.Args {
		fmt.Fprintf(&b, " %s=%q", k, v)
	}
	if p.Err != nil {
		b.WriteString(": " + p.Err.Error())
	}
	return b.String()
}

func (p *Problem) Unwrap() error { return p.Err }

// AsProblem finds the Problem in an error chain.
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	ok := errors.As(err, &p)
	return p, ok
}

// atLine returns err marked with an import line (a copy, so shared problems stay intact).
func atLine(err error, line int) error {
	if p, ok := AsProblem(err); ok {
		q := *p
		q.Line = line
		return &q
	}
	return &Problem{Key: "err.internal", Args: map[string]string{"detail": err.Error()}, Line: line, Err: err}
}
