//go:build !unix

package mailtest

// lockFile: the test servers run on Linux only (.ci/mailserver.sh); elsewhere no test
// reaches them, and nothing needs to wait.
func lockFile(path string, exclusive bool) (func(), error) { return func() {}, nil }
