package data

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestEverySortIsServedByAnIndex: ordering the register by any column of the window's
// table must not sort the whole register (a temporary b-tree in SQLite's plan), and the
// order must be the one asked for.
func TestEverySortIsServedByAnIndex(t *testing.T) {
	s, err := Create(filepath.Join(t.TempDir(), "r.ascolto"), Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i, who := range []string{"Zita", "anna", "Èmile", "bruno", "Carla"} {
		nc := NewCase{Kind: KindComplaint, Channel: ChannelCounter, Subject: strings.Repeat("x", i+1) + " " + who,
			Citizen: Citizen{Name: who}, Assignee: []string{"m", "A", "z", "b", "C"}[i]}
		if _, err := s.Create(ctx, nc); err != nil {
			t.Fatal(err)
		}
	}
	for key := range sortColumns {
		for _, desc := range []bool{false, true} {
			f := Filter{Sort: key, Desc: desc}
			where, args, err := f.where(Today(s.Now()))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT c.id FROM cases c WHERE `+where+` ORDER BY `+f.order()+` LIMIT 50`, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				rows.Scan(&id, &parent, &unused, &detail)
				plan = append(plan, detail)
			}
			rows.Close()
			if p := strings.Join(plan, "; "); strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("sort by %s (desc %v) sorts the register: %s", key, desc, p)
			}
		}
	}
	list, err := s.List(ctx, Filter{Sort: SortCitizen})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list {
		got = append(got, c.Citizen.Name)
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return strings.ToLower(got[i]) < strings.ToLower(got[j]) }) {
		t.Errorf("by citizen: %v", got)
	}
}
