package mailbox

import (
	"errors"
	"os"
	"time"

	keyring "github.com/zalando/go-keyring"

	"ascolto/data"
)

// KeyringService names Ascolto's entries in the operating system's credential store
// (Secret Service on Linux, Credential Manager on Windows, Keychain on macOS).
const KeyringService = "Ascolto mailbox"

// keyringWait bounds a call to the credential store: a locked Secret Service collection
// answers with a prompt that nobody may ever see, and a sending or a fetch must not hang
// on it.
var keyringWait = 10 * time.Second

// keyringUser names the entry of one login on one IMAP server, so that registers of
// different mailboxes on one workstation keep their passwords apart.
func keyringUser(ms data.MailSettings) string { return ms.Login() + " on " + ms.IMAPHost }

// keyringCall runs f with the time limit; the credential store's own error comes back.
func keyringCall(f func() error) error {
	if !keyringReachable() {
		return errNoKeyring
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(keyringWait):
		return errors.New("the credential store did not answer")
	}
}

var errNoKeyring = errors.New("no credential store on this desktop session")

// keyringProblem is what the clerk is told when the credential store cannot be used.
func keyringProblem(err error) error {
	return &data.Problem{Key: "err.mailbox.keyring", Err: err}
}

// RememberPassword keeps the password of the settings' login in the operating system's
// credential store; nothing is written into the register or beside it.
func RememberPassword(ms data.MailSettings, password string) error {
	if password == "" {
		return ForgetPassword(ms)
	}
	if err := keyringCall(func() error { return keyring.Set(KeyringService, keyringUser(ms), password) }); err != nil {
		return keyringProblem(err)
	}
	return nil
}

// StoredPassword is the password kept in the credential store for the settings' login:
// "" when none is kept, a problem when the store cannot be reached.
func StoredPassword(ms data.MailSettings) (string, error) {
	var pw string
	err := keyringCall(func() error {
		var err error
		pw, err = keyring.Get(KeyringService, keyringUser(ms))
		return err
	})
	if errors.Is(err, keyring.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", keyringProblem(err)
	}
	return pw, nil
}

// ForgetPassword removes the settings' password from the credential store, if kept.
func ForgetPassword(ms data.MailSettings) error {
	err := keyringCall(func() error { return keyring.Delete(KeyringService, keyringUser(ms)) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return keyringProblem(err)
	}
	return nil
}

// KeyringAvailable says whether the credential store can keep the password: nil, or
// the problem to tell the clerk (who is then asked for the password at each session).
func KeyringAvailable(ms data.MailSettings) error {
	_, err := StoredPassword(ms)
	return err
}

// Password is the password a mailbox logs in with when none is given: the environment
// variable ASCOLTO_MAIL_PASSWORD, else the credential store. An unreachable store
// counts as no password kept.
func Password(ms data.MailSettings) string {
	if pw := os.Getenv(PasswordEnv); pw != "" {
		return pw
	}
	pw, _ := StoredPassword(ms)
	return pw
}
