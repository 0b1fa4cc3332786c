package data

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// onNetworkFS reports whether dir is on a mapped network drive (Z:\ on \\server\share).
func onNetworkFS(dir string) bool {
	root := filepath.VolumeName(dir) + `\`
	p, err := windows.UTF16PtrFromString(root)
	if err != nil {
		return false
	}
	return windows.GetDriveType(p) == windows.DRIVE_REMOTE
}
