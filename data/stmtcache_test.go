package data

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// TestStatementsAreCompiledOnce: a query run again and again on a connection is
// compiled once, not once per run. SQLite's authorizer, which SQLite calls while it
// compiles a statement and never while it runs one, counts the compilations.
func TestStatementsAreCompiledOnce(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	c := mustCreate(t, s, NewCase{Subject: "Anfrage", Citizen: Citizen{Name: "Zoë Thöni"}})
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var compiled atomic.Int64
	count := func(action sqlite.AuthorizerActionCode, _, _, _, _ string) sqlite.AuthorizerReturnCode {
		if action == sqlite.AuthSelect {
			compiled.Add(1)
		}
		return sqlite.AuthorizerOK
	}
	setAuthorizer := func(fn sqlite.AuthorizerFn) {
		err := conn.Raw(func(dc any) error {
			if k, ok := dc.(*keepingConn); ok {
				dc = k.Conn
			}
			r, ok := dc.(sqlite.AuthorizerRegisterer)
			if !ok {
				return fmt.Errorf("%T has no authorizer", dc)
			}
			return r.RegisterAuthorizer(fn)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setAuthorizer(count)
	defer setAuthorizer(nil)
	for i := 0; i < 50; i++ {
		var subj string
		if err := conn.QueryRowContext(ctx, `SELECT subject FROM cases WHERE number = ?`, c.Number).Scan(&subj); err != nil || subj != "Anfrage" {
			t.Fatal(err, subj)
		}
	}
	if n := compiled.Load(); n == 0 || n > 2 {
		t.Fatalf("the same query run 50 times was compiled %d times", n)
	}
}

// TestNestedQueriesOfTheSameText: a query of the same text run while the first one's rows
// are still open gets its own statement: neither resets the other.
func TestNestedQueriesOfTheSameText(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	for i := 0; i < 5; i++ {
		mustCreate(t, s, NewCase{Subject: fmt.Sprintf("Anfrage %d", i)})
	}
	ctx := context.Background()
	conn, err := s.db.Conn(ctx) // one connection, so that both run on it
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = `SELECT subject FROM cases ORDER BY rowid`
	for round := 0; round < 2; round++ { // the second round uses the kept statements
		rows, err := conn.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		outer := 0
		for rows.Next() {
			var subj string
			rows.Scan(&subj)
			if want := fmt.Sprintf("Anfrage %d", outer); subj != want {
				t.Fatalf("round %d: outer row %d is %q, want %q", round, outer, subj, want)
			}
			outer++
			inner := 0
			in, err := conn.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for in.Next() {
				inner++
			}
			in.Close()
			if inner != 5 {
				t.Fatalf("inner query saw %d rows", inner)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if outer != 5 {
			t.Fatalf("round %d: outer query saw %d rows", round, outer)
		}
	}
}

// TestKeptStatementAfterAFailure: a statement that failed (a constraint) is used again
// and works, with the new arguments only.
func TestKeptStatementAfterAFailure(t *testing.T) {
	s, _ := testStore(t, "2026-11-23 09:00")
	ctx := context.Background()
	const ins = `INSERT INTO meta(key, value) VALUES (?, ?)`
	if _, err := s.db.ExecContext(ctx, ins, "bench_a", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, ins, "bench_a", "2"); err == nil {
		t.Fatal("a duplicate key was accepted")
	}
	if _, err := s.db.ExecContext(ctx, ins, "bench_b", "3"); err != nil {
		t.Fatalf("the statement after its failure: %v", err)
	}
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT group_concat(key || '=' || value, ',') FROM (SELECT * FROM meta WHERE key LIKE 'bench_%' ORDER BY key)`).Scan(&v); err != nil || v != "bench_a=1,bench_b=3" {
		t.Fatalf("meta: %q %v", v, err)
	}
}
