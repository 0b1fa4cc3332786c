//go:build !linux && !windows && !darwin

package data

// onNetworkFS: elsewhere only UNC paths are recognised.
func onNetworkFS(string) bool { return false }
