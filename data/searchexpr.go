package data

// SearchExpression is the FTS5 query the register runs for what a clerk typed (every
// word as a prefix, accents folded): the benchmarks give the same expression to the
// sqlite3 program on the same file, to compare the register's search with plain FTS5.
func SearchExpression(text string) string { return ftsQuery(text) }
