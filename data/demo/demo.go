// Package demo fills a register with realistic cases of the job centres of South Tyrol,
// in Italian and German, for first starts, training and benchmarks. Every case goes
// through the register's one write path, so a demo register has the same audit trail
// and change log as a real one. Names and addresses are invented.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"ascolto/data"
)

// Office is the demo register's own office: the job centre of Bolzano.
func Office() data.Office {
	return data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen",
		Address: "Via Dante 11 / Dantestraße 11, 39100 Bolzano/Bozen"}
}

// others are the further offices of the pilot and of the department.
var others = []data.Office{
	{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt", Address: "Largo Municipio 7 / Rathausplatz 7, 39044 Egna/Neumarkt"},
	{Code: "MERANO", NameIT: "Centro di mediazione lavoro Merano", NameDE: "Arbeitsvermittlungszentrum Meran", Address: "Via Goethe 7 / Goethestraße 7, 39012 Merano/Meran"},
	{Code: "BRESSANONE", NameIT: "Centro di mediazione lavoro Bressanone", NameDE: "Arbeitsvermittlungszentrum Brixen", Address: "Via Roma 7 / Romstraße 7, 39042 Bressanone/Brixen"},
}

// Options say how many cases to make; the same seed makes the same register.
type Options struct {
	Count int
	Seed  int64
	// Progress, if set, is called every 250 cases and after every batch with the cases
	// made so far (made, not yet all saved: a batch is saved at its end).
	Progress func(done, total int)
	// Span is how far back receipt dates go (default two years).
	Span time.Duration
}

// batch is how many cases go in one transaction: large enough to make a million in
// minutes, small enough that the window can read between batches.
const batch = 20000

// Generate adds opt.Count demo cases to the register.
func Generate(ctx context.Context, s *data.Store, opt Options) error {
	for _, o := range others {
		if err := s.PutOffice(o); err != nil {
			return err
		}
	}
	if opt.Span == 0 {
		opt.Span = 2 * 365 * 24 * time.Hour
	}
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x417363))
	now := s.Now()
	// Everything happens in the registering office's working time: receipts spread
	// over it in the order of their protocol numbers, as in a real register.
	cal, err := s.Calendar(s.Local().Code)
	if err != nil {
		return err
	}
	start := now.Add(-opt.Span)
	work := newWorkTime(cal, start, now)
	for work.total <= 0 { // a span too short to hold an open hour: the weeks before
		start = start.AddDate(0, 0, -7)
		work = newWorkTime(cal, start, now)
	}
	g := gen{rng: rng, now: now, work: work}
	count := float64(max(opt.Count, 1))
	for done := 0; done < opt.Count; {
		n := min(batch, opt.Count-done)
		err := s.Update(ctx, func(tx *data.Tx) error {
			for i := 0; i < n; i++ {
				off := (float64(done+i) + rng.Float64()) / count * float64(work.total)
				if err := g.one(tx, work.at(time.Duration(off))); err != nil {
					return err
				}
				// Within a batch too, so that a first start's progress bar moves.
				if opt.Progress != nil && (done+i+1)%250 == 0 && i+1 < n {
					opt.Progress(done+i+1, opt.Count)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
		if opt.Progress != nil {
			opt.Progress(done, opt.Count)
		}
	}
	return nil
}

type gen struct {
	rng  *rand.Rand
	now  time.Time
	work *workTime
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// one registers a case received at (within office hours) and moves it along.
func (g *gen) one(tx *data.Tx, at time.Time) error {
	rng := g.rng
	lang := data.Italian
	if rng.IntN(100) < 62 { // roughly the province's language groups
		lang = data.German
	}
	kind := weightedKind(rng)
	office := "BZ"
	if r := rng.IntN(100); r >= 70 {
		office = others[(r-70)%len(others)].Code
	}
	channel := weightedChannel(rng)
	first, last := pick(g.rng, firstNames[lang]), pick(g.rng, surnames[lang])
	if rng.IntN(10) == 0 { // mixed families are common in South Tyrol
		last = pick(g.rng, surnames[otherLang(lang)])
	}
	cit := data.Citizen{Name: first + " " + last, Language: lang, Address: g.address(lang)}
	if channel == data.ChannelEmail || channel == data.ChannelPEC || rng.IntN(3) == 0 {
		cit.Email = emailOf(first, last, pick(g.rng, mailDomains))
	}
	if channel == data.ChannelPhone || rng.IntN(2) == 0 {
		cit.Phone = fmt.Sprintf("+39 3%02d %03d %04d", 20+rng.IntN(80), rng.IntN(1000), rng.IntN(10000))
	}
	t := pick(g.rng, topics[kind])
	subject, desc, reply := t.it, t.descIT, t.replyIT
	if lang == data.German {
		subject, desc, reply = t.de, t.descDE, t.replyDE
	}
	assignee := ""
	if rng.IntN(3) > 0 { // most are given to a clerk at intake
		assignee = pick(rng, clerks)
	}
	if err := tx.Recorded(pick(rng, clerks), at); err != nil { // registered at the counter or from the mailbox
		return err
	}
	c, err := tx.Create(data.NewCase{Office: office, Kind: kind, Channel: channel, ReceivedAt: at,
		Subject: subject, Description: desc, Category: t.category, Service: t.service, Citizen: cit, Assignee: assignee})
	if err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	return g.progress(tx, c, reply)
}

// progress moves a case along as an office would: most are answered within three
// working days, some wait for the citizen, a few run late, the youngest are still
// open. Each step is done by the clerk the case is given to, in office hours, after the
// previous one and never after now.
func (g *gen) progress(tx *data.Tx, c *data.Case, reply string) error {
	rng := g.rng
	age := g.now.Sub(c.ReceivedAt)
	r := rng.IntN(1000)
	open := age < 6*24*time.Hour && r < 700 || r < 12 // recent ones, plus a few forgotten (overdue)
	last := c.ReceivedAt
	hour := func(n int) time.Duration { return time.Duration(n) * time.Hour }
	// step dates the next event a working time of d after the last one, by the clerk.
	clerk := c.Assignee
	step := func(d time.Duration) (time.Time, error) {
		last = g.work.later(last, d)
		return last, tx.Recorded(clerk, last)
	}
	var err error
	if c.Assignee == "" && rng.IntN(4) == 0 { // handed to a colleague later
		clerk = pick(rng, clerks)
		if _, err = step(time.Duration(rng.IntN(90)) * time.Minute); err != nil {
			return err
		}
		if c, err = tx.Assign(c.ID, clerk); err != nil {
			return err
		}
	}
	if clerk == "" { // whoever is at the desk
		clerk = pick(rng, clerks)
	}
	var at time.Time
	if open {
		if r%3 == 0 {
			if at, err = step(time.Duration(rng.IntN(240)) * time.Minute); err == nil {
				_, err = tx.SetStatus(c.ID, data.StatusInProgress, at, "")
			}
		} else if r%7 == 0 {
			if at, err = step(hour(rng.IntN(8))); err == nil {
				_, err = tx.SetStatus(c.ID, data.StatusWaiting, at, "documenti mancanti / fehlende Unterlagen")
			}
		}
		return err
	}
	if rng.IntN(10) == 0 { // waited for the citizen first
		if at, err = step(hour(1 + rng.IntN(8))); err != nil {
			return err
		}
		if c, err = tx.SetStatus(c.ID, data.StatusWaiting, at, "documenti mancanti / fehlende Unterlagen"); err != nil {
			return err
		}
		if at, err = step(hour(15 + rng.IntN(60))); err != nil {
			return err
		}
		if c, err = tx.SetStatus(c.ID, data.StatusInProgress, at, ""); err != nil {
			return err
		}
	}
	// Replies mostly within three working days (7½ working hours a day).
	work := time.Duration(30+rng.IntN(22*60)) * time.Minute
	if rng.IntN(100) < 8 {
		work = hour(25 + rng.IntN(60)) // late
	}
	if at, err = step(work); err != nil {
		return err
	}
	reply = strings.ReplaceAll(reply, "{name}", c.Citizen.Name)
	if c, err = tx.Reply(c.ID, reply, "", at); err != nil {
		return err
	}
	if age > 20*24*time.Hour && rng.IntN(10) < 9 {
		if at, err = step(hour(8 + rng.IntN(130))); err != nil {
			return err
		}
		_, err = tx.Close(c.ID, at)
	}
	return err
}

func otherLang(l data.Language) data.Language {
	if l == data.German {
		return data.Italian
	}
	return data.German
}

func weightedKind(rng *rand.Rand) data.Kind {
	r := rng.IntN(100)
	switch {
	case r < 45:
		return data.KindRequest
	case r < 55:
		return data.KindProposal
	case r < 68:
		return data.KindReport
	case r < 78:
		return data.KindSuggestion
	case r < 93:
		return data.KindComplaint
	default:
		return data.KindPraise
	}
}

func weightedChannel(rng *rand.Rand) data.Channel {
	r := rng.IntN(100)
	switch {
	case r < 50:
		return data.ChannelCounter
	case r < 80:
		return data.ChannelEmail
	case r < 85:
		return data.ChannelPEC
	case r < 93:
		return data.ChannelPhone
	case r < 98:
		return data.ChannelLetter
	default:
		return data.ChannelOther
	}
}

func (g *gen) address(lang data.Language) string {
	town := towns[g.rng.IntN(len(towns))]
	street := pick(g.rng, streets[lang])
	if lang == data.German {
		return fmt.Sprintf("%s %d, %s %s", street, 1+g.rng.IntN(80), town.cap, town.de)
	}
	return fmt.Sprintf("%s %d, %s %s", street, 1+g.rng.IntN(80), town.cap, town.it)
}

// emailOf spells an address the way people make them: accents dropped, ß as ss.
func emailOf(first, last, domain string) string {
	fold := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "à", "a", "è", "e", "é", "e", "ì", "i", "ò", "o", "ù", "u", " ", "", "'", "")
	return fold.Replace(strings.ToLower(first)) + "." + fold.Replace(strings.ToLower(last)) + "@" + domain
}
