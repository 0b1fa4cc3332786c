-- Search finds German words also as they are typed without umlauts ("mueller" finds
-- Müller, "strasse" Straße): every word with ä, ö, ü or ß is kept typed out in
-- search_spellings (written with the case, data/searchtext.go) and indexed as a column of
-- its own. The index stays external content over cases, so FTS5 can still rebuild it and
-- check it against the register (verify).
ALTER TABLE cases ADD COLUMN search_spellings TEXT NOT NULL DEFAULT '';

-- The old index goes with its pages zeroed: an anonymised case's words may still wait
-- in it for the purge (data/store.go).
PRAGMA secure_delete = 1;
DROP TABLE cases_fts;

-- As in 0001 (accents and case folded, three-letter prefixes, kept by the write path),
-- with the typed-out spellings as the last column. The migration step fills it.
CREATE VIRTUAL TABLE cases_fts USING fts5(
    number, subject, description, citizen_name, citizen_email, category, reply_text, search_spellings,
    content='cases', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2',
    prefix='3'
);
INSERT INTO cases_fts(cases_fts, rank) VALUES ('automerge', 0);
