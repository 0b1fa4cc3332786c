package data

import "strings"

// Forward hands a case on to the competent office (one the register knows) and/or the
// competent service within it. The deadline does not move: the promise was made at
// receipt. An empty office keeps the case's office.
func (t *Tx) Forward(ref Ref, office, service, note string) (*Case, error) {
	old, err := t.get(ref)
	if err != nil {
		return nil, err
	}
	if old.Status == StatusClosed {
		return nil, Problemf("err.closed", "number", old.Number)
	}
	office = strings.ToUpper(strings.TrimSpace(office))
	if office == "" {
		office = old.Office
	}
	if err := t.checkOfficeExists(office); err != nil {
		return nil, err
	}
	next := *old
	next.Office = office
	next.Service = service // apply brings it to its stored form
	return &next, t.apply("forward", old, &next, note, nil)
}
