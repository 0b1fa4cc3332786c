// Package assets holds the files Ascolto ships inside the program: the icon now, the
// fonts and letterhead defaults later.
package assets

import _ "embed"

// Icon is the program's icon (512×512 PNG): a speech bubble with a check mark, for a
// citizen heard and answered.
//
//go:embed icon.png
var Icon []byte
