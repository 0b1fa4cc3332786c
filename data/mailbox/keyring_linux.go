package mailbox

import (
	"os"
	"path/filepath"
)

// keyringReachable says whether a session bus is there to ask the Secret Service on.
// Without one, the D-Bus library would start a bus of its own (dbus-launch
// --autolaunch), which lingers after the program on a server or a CI machine and
// holds no keyring anyway.
func keyringReachable() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, "bus"))
	return err == nil && fi.Mode()&os.ModeSocket != 0
}
