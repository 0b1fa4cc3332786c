package main

import (
	"time"

	"fyne.io/fyne/v2"

	"ascolto/data"
	"ascolto/ui"
)

// upgradeProgress shows in the window how far opening has come in converting a
// register of an older format: the view replaces the empty window at the first report
// and is updated a few times a second at most, so the UI queue stays short. The copy
// kept before the upgrade is named once the register is open (tellMigration).
func (p *program) upgradeProgress() data.Progress {
	var view *ui.UpgradeView // only touched on the UI thread
	var last time.Time
	return func(done, total int64) {
		now := time.Now()
		if done > 0 && done < total && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		fyne.Do(func() {
			if view == nil {
				view = ui.NewUpgradeView(p.lang, p.path)
				p.win.SetContent(view.Object())
			}
			view.SetProgress(done, total)
		})
	}
}
