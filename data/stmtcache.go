package data

import (
	"context"
	"database/sql/driver"
)

// Why the register keeps its statements prepared
//
// The SQLite driver compiles every statement it is given as text, each time: a query run
// a thousand times is parsed and planned a thousand times. For the register's short
// transactions (a save, a received operation of another office) that was about a third
// of the time spent, more than the work the statements do. The store's connections
// therefore keep the statements they compiled, per connection and by their text, and
// hand them out again; database/sql, seeing a connection without its own query and exec
// shortcuts, asks for a prepared statement every time and closes it after use, which
// gives it back here.
//
// A statement is given to one user at a time: a query of the same text while the first
// one's rows are still open (a nested loop) gets a second statement of its own. SQLite
// recompiles a kept statement by itself when the schema changed (a migration), so a kept
// statement never runs an old plan.

// maxKeptStatements bounds the statements one connection keeps: the register's own are
// well under a hundred; queries made up from a list's filters come in many variants, and
// past the bound a statement is simply finalised after use as before.
const maxKeptStatements = 256

// keptStatements is a connector whose connections keep their compiled statements.
type keptStatements struct{ driver.Connector }

// Connect opens a connection through the inner connector.
func (k keptStatements) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &keepingConn{Conn: c, free: map[string][]*keptStmt{}}, nil
}

// keepingConn is one connection and the statements it keeps. database/sql uses a
// connection from one goroutine at a time, so the map needs no lock.
type keepingConn struct {
	driver.Conn
	free   map[string][]*keptStmt // compiled and not in use, by text
	kept   int                    // statements in free
	closed bool
}

// PrepareContext gives a kept statement of that text, or compiles one.
func (c *keepingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if l := c.free[query]; len(l) > 0 {
		st := l[len(l)-1]
		c.free[query] = l[:len(l)-1]
		c.kept--
		st.inUse = true
		return st, nil
	}
	var si driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		si, err = p.PrepareContext(ctx, query)
	} else {
		si, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &keptStmt{Stmt: si, conn: c, query: query, inUse: true}, nil
}

// Prepare is PrepareContext without a context.
func (c *keepingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// BeginTx starts a transaction as the inner connection does (BEGIN IMMEDIATE, dsn).
func (c *keepingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // the inner connection has no BeginTx
}

// ResetSession passes database/sql's check of a connection given back to the inner one.
func (c *keepingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid tells database/sql whether the connection may be used again.
func (c *keepingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Ping passes to the inner connection.
func (c *keepingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Close finalises the kept statements, then closes the connection: SQLite does not
// close a connection with statements still compiled.
func (c *keepingConn) Close() error {
	for q, l := range c.free {
		for _, st := range l {
			st.Stmt.Close()
		}
		delete(c.free, q)
	}
	c.kept = 0
	c.closed = true
	return c.Conn.Close()
}

// keptStmt is a statement handed out; Close gives it back to its connection.
type keptStmt struct {
	driver.Stmt
	conn  *keepingConn
	query string
	inUse bool
}

// Close gives the statement back to be used again (the driver has reset it when its
// rows were closed or its exec ended), or finalises it when the connection keeps enough
// or is closed.
func (s *keptStmt) Close() error {
	if !s.inUse {
		return nil
	}
	s.inUse = false
	c := s.conn
	if c.closed || c.kept >= maxKeptStatements {
		return s.Stmt.Close()
	}
	c.free[s.query] = append(c.free[s.query], s)
	c.kept++
	return nil
}

// ExecContext runs the statement with a context, as the inner statement does.
func (s *keptStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // the inner statement has no ExecContext
}

// QueryContext runs the query with a context, as the inner statement does.
func (s *keptStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // the inner statement has no QueryContext
}

func values(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}
