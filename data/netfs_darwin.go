package data

import "syscall"

// onNetworkFS reports whether dir lies on a network file system (smbfs, nfs, afpfs, webdav).
func onNetworkFS(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	name := make([]byte, 0, len(st.Fstypename))
	for _, c := range st.Fstypename {
		if c == 0 {
			break
		}
		name = append(name, byte(c))
	}
	switch string(name) {
	case "smbfs", "nfs", "afpfs", "webdav", "cifs":
		return true
	}
	return false
}
