package safefile

import "os"

// Mark gives the file the mark of the web: the alternate data stream Zone.Identifier
// that a browser writes on a download. A volume without such streams (FAT, a network
// share that drops them) refuses it; the error says so, and the file stays as it is.
func Mark(path string) error {
	return os.WriteFile(path+":Zone.Identifier", ZoneIdentifier(), 0o644)
}
