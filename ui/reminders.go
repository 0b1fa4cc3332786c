package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

// ReminderEvery is how often the reminder looks at the deadlines.
const ReminderEvery = time.Hour

// Reminder keeps the deadlines in sight: at the start and every hour it counts the
// cases due today and those overdue, shows both at the foot of the window (with the
// icons and words of the table, not colour alone) and sends a desktop notification
// when there are any.
type Reminder struct {
	// OnShow is called when the clerk asks to see the overdue cases.
	OnShow func()

	e     *env
	every time.Duration

	root         fyne.CanvasObject
	overdueIcon  *widget.Icon
	overdueLabel *widget.Label
	todayIcon    *widget.Icon
	todayLabel   *widget.Label
	checked      *widget.Label
	show         *button
	stop         chan struct{}

	overdue, today int
	// done, if set, is called after each count has been shown (tests).
	done func()
}

func newReminder(e *env, every time.Duration) *Reminder {
	r := &Reminder{e: e, every: every}
	r.overdueIcon = widget.NewIcon(overdueIcon())
	r.overdueLabel = widget.NewLabel("")
	r.overdueLabel.Importance = widget.DangerImportance
	r.overdueLabel.TextStyle.Bold = true
	r.todayIcon = widget.NewIcon(todayIcon())
	r.todayLabel = widget.NewLabel("")
	r.todayLabel.Importance = widget.WarningImportance
	r.todayLabel.TextStyle.Bold = true
	r.checked = widget.NewLabel("")
	r.checked.SizeName = theme.SizeNameCaptionText
	r.show = newButton(e.t("window.reminder.show"), theme.VisibilityIcon(), func() {
		if r.OnShow != nil {
			r.OnShow()
		}
	})
	r.show.Importance = widget.LowImportance
	for _, o := range []fyne.CanvasObject{r.overdueIcon, r.overdueLabel, r.todayIcon, r.todayLabel, r.show} {
		o.Hide()
	}
	// One line as a rule; with large text the figures wrap rather than run into each
	// other (see flowRow).
	r.root = container.New(&flowRow{}, r.overdueIcon, r.overdueLabel, r.todayIcon, r.todayLabel, r.show, layout.NewSpacer(), r.checked)
	return r
}

// Object is the reminder's line for the foot of the window.
func (r *Reminder) Object() fyne.CanvasObject { return r.root }

// startDelay is how long after the start the first count waits: the register's own
// counts come first, so that the window is ready sooner.
var startDelay = 2 * time.Second

// Start counts shortly after the start and then every interval, until Stop.
func (r *Reminder) Start() {
	r.stop = make(chan struct{})
	stop := r.stop
	go func() {
		select {
		case <-stop:
			return
		case <-time.After(startDelay):
			r.e.do(r.Check)
		}
		t := time.NewTicker(r.every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				r.e.do(r.Check)
			}
		}
	}()
}

// Stop ends the hourly counting.
func (r *Reminder) Stop() {
	if r.stop != nil {
		close(r.stop)
		r.stop = nil
	}
}

// Check counts the cases overdue and due today off the UI thread, shows the figures
// and notifies. notify false only updates the line (after a change made here).
func (r *Reminder) Check() { r.check(true) }

// Refresh updates the figures without a notification (after a change).
func (r *Reminder) Refresh() { r.check(false) }

func (r *Reminder) check(notify bool) {
	store := r.e.store
	var overdue, today int
	r.e.background(func() error {
		ctx := context.Background()
		var err error
		if overdue, err = store.Count(ctx, data.Filter{Overdue: true}); err != nil {
			return err
		}
		today, err = store.Count(ctx, data.Filter{DueToday: true})
		return err
	}, func(err error) {
		if err != nil {
			r.checked.SetText(r.e.errText(err))
			return
		}
		r.overdue, r.today = overdue, today
		// The whole register's, which a figure of a period (the Quality tab's) is not: the
		// label says so.
		showFigure(r.overdueIcon, r.overdueLabel, overdue, plural(r.e.lang, overdue, "window.overdue_all.one", "window.overdue_all.other"))
		showFigure(r.todayIcon, r.todayLabel, today, plural(r.e.lang, today, "window.today_count.one", "window.today_count.other"))
		if overdue > 0 {
			r.show.Show()
		} else {
			r.show.Hide()
		}
		r.checked.SetText(r.e.t("window.reminder.checked", "time", store.Now().In(data.Rome).Format("15:04")))
		if notify && overdue+today > 0 && r.e.app != nil {
			r.e.app.SendNotification(fyne.NewNotification(r.e.t("window.reminder.title"), reminderText(r.e.lang, overdue, today)))
		}
		if r.done != nil {
			r.done()
		}
	})
}

// reminderText is the notification's message: the cases overdue and those due today,
// each counted in the singular or the plural as the figure asks ("1 pratica scaduta",
// "3 pratiche scadute"), a figure of nought left out, and why the deadlines matter.
func reminderText(lang string, overdue, today int) string {
	var counts string
	o := plural(lang, overdue, "window.reminder.overdue.one", "window.reminder.overdue.other")
	d := plural(lang, today, "window.reminder.today.one", "window.reminder.today.other")
	switch {
	case overdue > 0 && today > 0:
		counts = translations.T(lang, "window.reminder.both", "overdue", o, "today", d)
	case today > 0:
		counts = d
	default:
		counts = o
	}
	return translations.T(lang, "window.reminder.body", "counts", counts)
}
