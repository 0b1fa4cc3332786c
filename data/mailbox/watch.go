package mailbox

import (
	"context"
	"time"

	"github.com/emersion/go-imap/client"

	"ascolto/data"
)

// Watch fetches now, and again whenever the server announces a change in the folder
// read (IMAP IDLE; a server without IDLE is polled), and at the latest every poll. Each
// fetch, or the error that stopped it, goes to report; after an error (server down,
// connection cut) it tries again after poll. It returns when ctx ends.
func (b *Box) Watch(ctx context.Context, poll time.Duration, report func(*FetchResult, error)) {
	if poll <= 0 {
		poll = time.Minute
	}
	for ctx.Err() == nil {
		res, err := b.Fetch(ctx)
		if ctx.Err() != nil {
			return // interrupted: what was under way is no fault to report
		}
		report(res, err)
		if err == nil {
			err = b.wait(ctx, poll, res)
			if err == nil || ctx.Err() != nil {
				continue
			}
			report(nil, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

// wait returns at once if the folder changed since the fetch last saw it, else when the server announces new or removed messages in the folder read,
// after poll at the latest, or when ctx ends.
func (b *Box) wait(ctx context.Context, poll time.Duration, last *FetchResult) error {
	c, err := b.openIMAP(ctx)
	if err != nil {
		return err
	}
	defer c.Logout()
	updates := make(chan client.Update, 64)
	c.Updates = updates
	mbox, err := c.Select(b.Settings.Folder, true)
	if err != nil {
		return &data.Problem{Key: "err.mailbox.folder", Args: map[string]string{"folder": b.Settings.Folder}, Err: err}
	}
	if mbox.UidNext != last.uidNext || mbox.Messages != last.messages {
		return nil // a change between the fetch and this selection: fetch again
	}
	for drained := false; !drained; {
		select {
		case <-updates: // what the selection itself said is known to the fetch already
		default:
			drained = true
		}
	}
	// The IDLE command lasts until stopped: the timeout covers it, not each reply.
	c.Timeout = poll + b.timeout()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- c.Idle(stop, &client.IdleOptions{LogoutTimeout: poll, PollInterval: min(poll, 30*time.Second)})
	}()
	timer := time.NewTimer(poll)
	defer timer.Stop()
	end := func() error {
		close(stop)
		if err := <-done; err != nil {
			return serverProblem(b.Settings.IMAPHost, err)
		}
		return nil
	}
	for {
		select {
		case u := <-updates:
			switch u.(type) {
			case *client.MailboxUpdate, *client.ExpungeUpdate:
				return end()
			}
		case <-timer.C:
			return end()
		case <-ctx.Done():
			end()
			return nil
		case err := <-done:
			if err == nil {
				return nil
			}
			return serverProblem(b.Settings.IMAPHost, err)
		}
	}
}
