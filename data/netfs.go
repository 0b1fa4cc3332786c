package data

import (
	"path/filepath"
	"strings"
)

// refuseNetworkShare stops a register from being placed on a network share: SQLite's
// locking (and WAL's shared memory) is not safe there, and two workstations writing one
// file would corrupt it. Offices share their work through the exchange folder instead.
func refuseNetworkShare(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if isUNC(path) || isUNC(abs) || onNetworkFS(filepath.Dir(abs)) {
		return Problemf("err.network_share", "path", path)
	}
	return nil
}

// isUNC recognises Windows network paths (\\server\share\…, //server/share/…).
func isUNC(p string) bool {
	return strings.HasPrefix(p, `\\`) && !strings.HasPrefix(p, `\\?\`) && !strings.HasPrefix(p, `\\.\`) ||
		strings.HasPrefix(p, "//") && len(p) > 2 && p[2] != '/'
}
