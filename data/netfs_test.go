package data

import (
	"path/filepath"
	"testing"
)

func TestNetworkPathsAreRecognised(t *testing.T) {
	for p, want := range map[string]bool{
		`\\server\share\ascolto\register.ascolto`: true,
		`//server/share/register.ascolto`:         true,
		`\\?\C:\Ascolto\register.ascolto`:         false,
		`C:\Users\anna\AppData\Roaming\Ascolto`:   false,
		"/home/anna/.local/share/ascolto":         false,
		"///tmp/x":                                false,
	} {
		if got := isUNC(p); got != want {
			t.Errorf("isUNC(%q) = %v", p, got)
		}
	}
	if onNetworkFS(t.TempDir()) {
		t.Fatal("the test's temporary folder is local")
	}
	if err := refuseNetworkShare(filepath.Join(t.TempDir(), "r.ascolto")); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, refuseNetworkShare(`//fileserver/uffici/register.ascolto`), "err.network_share")
}
