//go:build !linux

package mailbox

// keyringReachable: Windows' Credential Manager and macOS' Keychain are always there
// for a logged-in user; go-keyring says itself where it has no store.
func keyringReachable() bool { return true }
