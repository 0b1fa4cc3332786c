package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"ascolto/data"
)

// The files of cases (docs/exchange.md, "Files"). Each attachment, mail original and
// archived letter is published once, by its SHA-256, in the part of the folder of the
// office that added it:
//
//	<root>/<CODE>/files/<aa>/<sha256>     aa: the first two digits of the hash
//
// The file is not signed: its name is its hash, and its manifest entry (the operation
// that added it, with name, type, size and hash) is signed with the office's operations.
// A receiver takes a file only when its size and SHA-256 are the manifest's, so a file
// put there by someone else is never kept. Files are read and written after the look
// at the operations, outside any write transaction of the register; only the short
// transaction that keeps a checked file writes (data.Store.KeepArrivedFile).

// FilesDir is the sub-folder of an office's folder that holds its files.
const FilesDir = "files"

// filePath is where office code publishes the file with hash sha.
func filePath(code, sha string) string { return code + "/" + FilesDir + "/" + sha[:2] + "/" + sha }

// FileReport is what one look did with files.
type FileReport struct {
	Published int `json:"published"` // files this office put in the folder
	Repaired  int `json:"repaired"`  // own files found missing or damaged and written again
	Fetched   int `json:"fetched"`   // files taken from the folder (each kept with its rows)
	Refused   int `json:"refused"`   // copies that did not match their manifest (fetched again later)
	Removed   int `json:"removed"`   // own files removed: no case here needs them (an erasure)
	Waiting   int `json:"waiting"`   // own files not published: over the budget
}

// FileWait is one of this office's files that waits to be published: it does not fit
// in the budget (data.FileSettings.Budget).
type FileWait struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Reason string `json:"reason"` // "budget"
}

// FilesStatus is the file flow as the administrator sees it.
type FilesStatus struct {
	Published int64 `json:"published_bytes"` // bytes this office keeps in the folder
	Budget    int64 `json:"budget_bytes"`    // 0: no limit
	// Waiting are this office's files over the budget (not in the folder).
	Waiting []FileWait `json:"waiting,omitempty"`
	// Arriving counts the files of other offices this register takes and has not got,
	// ArrivingBytes their size together.
	Arriving      int   `json:"arriving"`
	ArrivingBytes int64 `json:"arriving_bytes"`
	// Late are those that have not come after Config.FilesPasses looks or FilesWait.
	Late []data.LateFile `json:"late,omitempty"`
}

// syncFiles is the file part of a look: this office's new files are published (within
// the budget), its files no case needs any more are removed, some of its published
// files are checked, and the files this register expects are fetched.
func (x *Exchange) syncFiles(ctx context.Context, publish bool) (FileReport, error) {
	var rep FileReport
	if !x.filesStarted {
		if err := x.st.StartTakingFiles(ctx); err != nil {
			return rep, readErr(err)
		}
		x.filesStarted = true
	}
	// A write the share refuses stops this office's own part only: the others' files
	// are still taken, and the failure is what the look ends with (Status).
	var failed error
	steps := []func(context.Context, *FileReport) error{x.removeUnneeded}
	if publish {
		steps = append(steps, x.publishFiles, x.checkOwnFiles)
	}
	for _, step := range steps {
		if err := step(ctx, &rep); err != nil {
			if !isWriteFailed(err) {
				return rep, err
			}
			failed = err
			break
		}
	}
	if err := x.fetchFiles(ctx, &rep); err != nil {
		return rep, err
	}
	return rep, failed
}

// removeUnneeded deletes this office's published files that no case here needs any
// more: their cases were anonymised here, or an anonymisation came from another office.
// Each office removes only its own; the others remove their copies with the case.
func (x *Exchange) removeUnneeded(ctx context.Context, rep *FileReport) error {
	shas, err := x.st.PublishedUnneeded(ctx)
	if err != nil {
		return err
	}
	for _, sha := range shas {
		p := filePath(x.local.Code, sha)
		if err := x.f.Remove(p); err != nil && !isNotExist(err) {
			return x.writeFailed(p, err) // tried again at the next look
		}
		if err := x.st.ForgetPublished(ctx, sha); err != nil {
			return readErr(err)
		}
		// Digests only: the name of an erased file is gone with it.
		x.log.Info("exchange: own file removed, no case needs it", "sha256", sha)
		rep.Removed++
	}
	return nil
}

// publishFiles writes this office's files the folder does not hold yet, oldest first,
// as long as they fit in the budget; the others wait (FilesStatus.Waiting).
func (x *Exchange) publishFiles(ctx context.Context, rep *FileReport) error {
	todo, err := x.st.FilesToPublish(ctx)
	if err != nil || len(todo) == 0 {
		x.setWaits(nil)
		return err
	}
	fs, err := x.st.FileSettings(ctx)
	if err != nil {
		return err
	}
	used, err := x.st.PublishedBytes(ctx)
	if err != nil {
		return readErr(err)
	}
	var waits []FileWait
	for _, f := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		if fs.Budget > 0 && used+f.Size > fs.Budget {
			waits = append(waits, FileWait{SHA256: f.SHA256, Size: f.Size, Reason: "budget"})
			continue
		}
		content, err := x.st.CaseFileContent(ctx, f.SHA256)
		if err != nil {
			continue // removed meanwhile (an erasure): nothing to publish
		}
		// Recorded first: a file left by a cut write is still removed when not needed.
		if err := x.st.RecordPublished(ctx, f); err != nil {
			return readErr(err)
		}
		if err := x.writeFile(f.SHA256, content); err != nil {
			return err
		}
		used += f.Size
		rep.Published++
	}
	x.setWaits(waits)
	rep.Waiting = len(waits)
	return nil
}

func (x *Exchange) setWaits(w []FileWait) {
	if w == nil {
		w = []FileWait{} // looked, none waits (nil: no look has published yet)
	}
	x.smu.Lock()
	x.fileWaits = w
	x.smu.Unlock()
}

// writeFile puts one of this office's files in its folder: a temporary name, flushed,
// renamed into place (Folder.WriteNew). A file there already is this office's (no
// other office writes in its folder), written before; checkOwnFiles looks at it.
func (x *Exchange) writeFile(sha string, content []byte) error {
	p := filePath(x.local.Code, sha)
	dir := p[:strings.LastIndexByte(p, '/')]
	if err := x.f.MkdirAll(dir); err != nil {
		return x.writeFailed(dir, err)
	}
	if err := x.f.WriteNew(p, content); err != nil && !errors.Is(err, fs.ErrExist) {
		return x.writeFailed(p, err)
	}
	return nil
}

// checkOwnFiles looks at some of this office's published files each look, in turn: 32
// by their size (no read), and, every Config.FilesCheckEvery looks, up to
// Config.FilesCheckBytes of them by their SHA-256 (at least one file). One missing, cut
// short or changed in the folder is written again from the register, so that the
// others can still take it.
func (x *Exchange) checkOwnFiles(ctx context.Context, rep *FileReport) error {
	all, err := x.st.PublishedFiles(ctx)
	if err != nil || len(all) == 0 {
		return err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].SHA256 < all[j].SHA256 })
	start := sort.Search(len(all), func(i int) bool { return all[i].SHA256 > x.fileCursor })
	hashing := x.scans%x.cfg.FilesCheckEvery == 0
	var read int64
	for k := 0; k < min(len(all), 32); k++ {
		f := all[(start+k)%len(all)]
		x.fileCursor = f.SHA256
		p := filePath(x.local.Code, f.SHA256)
		var bad bool
		if hashing && (read == 0 || read+f.Size <= x.cfg.FilesCheckBytes) {
			read += f.Size
			got, err := x.hashOf(ctx, p, f.Size)
			bad = got != f.SHA256 && (err == nil || isNotExist(err) || ReasonOf(err) == ReasonTooBig || ReasonOf(err) == ReasonTruncated)
		} else {
			r, err := x.f.Open(ctx, p, f.Size)
			if err == nil {
				bad = r.Size() != f.Size
				r.Close()
			} else {
				bad = isNotExist(err) || ReasonOf(err) == ReasonTooBig
			}
		}
		if !bad {
			continue // whole, or the share refused the look: looked at again in turn
		}
		content, cerr := x.st.CaseFileContent(ctx, f.SHA256)
		if cerr != nil {
			continue // not here any more: removeUnneeded takes it
		}
		if rerr := x.f.Remove(p); rerr != nil && !isNotExist(rerr) {
			return x.writeFailed(p, rerr)
		}
		if err := x.writeFile(f.SHA256, content); err != nil {
			return err
		}
		x.log.Warn("exchange: own file missing or damaged in the folder, written again", "sha256", f.SHA256)
		rep.Repaired++
	}
	return nil
}

// hashOf reads a file of the folder of the given size and returns its SHA-256; a file
// of another size is ReasonTruncated (shorter) or ReasonTooBig (longer), unread.
func (x *Exchange) hashOf(ctx context.Context, p string, size int64) (string, error) {
	r, err := x.f.Open(ctx, p, size)
	if err != nil {
		return "", readFailed(ctx, err)
	}
	defer r.Close()
	if r.Size() != size {
		return "", fail(ReasonTruncated, "%d of %d bytes", r.Size(), size)
	}
	h := sha256.New()
	if err := copyAt(ctx, h, r, size); err != nil {
		return "", readFailed(ctx, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copyAt copies the first n bytes of r to w a chunk at a time, stopping when ctx ends.
func copyAt(ctx context.Context, w io.Writer, r io.ReaderAt, n int64) error {
	buf := make([]byte, min(n, readChunk))
	for off := int64(0); off < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		k, err := r.ReadAt(buf[:min(int64(len(buf)), n-off)], off)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return werr
			}
			off += int64(k)
		}
		if err == io.EOF && off < n {
			return io.ErrUnexpectedEOF
		}
		if err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// fetchFiles takes the files this register expects from the folder (up to
// Config.FilesFetchBytes a look, at least one file): from the folder of
// the office that announced the file first, else from any office's (the same bytes may
// have been published by another). Each copy is taken into a temporary file beside the
// register while its SHA-256 is computed; a copy of another size or hash is refused,
// its temporary file removed, and it is fetched again at the next look.
func (x *Exchange) fetchFiles(ctx context.Context, rep *FileReport) error {
	wanted, err := x.st.FilesWanted(ctx)
	if err != nil || len(wanted) == 0 {
		return err
	}
	root, err := x.f.List("")
	if err != nil {
		return x.unreachable(err)
	}
	var codes []string
	for _, e := range root {
		if e.Dir && validCode(e.Name) {
			codes = append(codes, e.Name)
		}
	}
	sort.Strings(codes)
	var read int64
	for _, w := range wanted {
		if err := ctx.Err(); err != nil {
			return err
		}
		if read > 0 && read+w.Size > x.cfg.FilesFetchBytes {
			break // the rest at the next look: the clerks' changes are not held up for long
		}
		read += w.Size
		order := append([]string{w.Origin}, codes...)
		reason := "missing"
		done := false
		for i, code := range order {
			if (i > 0 && code == w.Origin) || !validCode(code) {
				continue
			}
			content, why := x.fetchOne(ctx, filePath(code, w.SHA256), w)
			if why == "" {
				n, err := x.st.KeepArrivedFile(ctx, w.SHA256, content)
				if err != nil {
					return err
				}
				if n > 0 {
					rep.Fetched++
				}
				done = true
				break
			}
			if why == "hash" {
				rep.Refused++
				x.log.Warn("exchange: a file in the folder does not match its manifest, not kept", "office", code, "sha256", w.SHA256)
			}
			if why != "missing" {
				reason = why
			}
		}
		if !done {
			if err := x.st.FileMissed(ctx, w.SHA256, reason); err != nil {
				return readErr(err)
			}
		}
	}
	return nil
}

// fetchOne copies a file of the folder into a temporary file beside the register,
// hashing it, and returns its bytes when size and hash are the manifest's, else why
// not: "missing", "size", "hash" or "unreadable".
func (x *Exchange) fetchOne(ctx context.Context, p string, w data.WantedFile) ([]byte, string) {
	r, err := x.f.Open(ctx, p, w.Size)
	switch {
	case err != nil && isNotExist(err):
		return nil, "missing"
	case err != nil && ReasonOf(err) == ReasonTooBig:
		return nil, "size"
	case err != nil:
		return nil, "unreadable"
	}
	defer r.Close()
	if r.Size() != w.Size {
		return nil, "size"
	}
	tmp, err := os.CreateTemp(x.tempDir(), ".ascolto-file-*")
	if err != nil {
		return nil, "unreadable"
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // kept or refused, the copy goes
	}()
	h := sha256.New()
	if err := copyAt(ctx, io.MultiWriter(tmp, h), r, w.Size); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, "size"
		}
		return nil, "unreadable"
	}
	if hex.EncodeToString(h.Sum(nil)) != w.SHA256 {
		return nil, "hash"
	}
	content := make([]byte, w.Size)
	if _, err := tmp.ReadAt(content, 0); err != nil && !(err == io.EOF && w.Size == 0) {
		return nil, "unreadable"
	}
	// Read back from the disk: checked again, what is kept is what was hashed.
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != w.SHA256 {
		return nil, "hash"
	}
	return content, ""
}

// tempDir is where fetched files wait while they are checked: beside the register
// (the same disk, the same permissions), else the system's temporary folder.
func (x *Exchange) tempDir() string {
	if x.cfg.FilesTemp != "" {
		return x.cfg.FilesTemp
	}
	if p := x.st.Path(); p != "" {
		return filepath.Dir(p)
	}
	return os.TempDir()
}

// FilesStatus says how the file flow stands: what this office publishes, what waits
// over the budget, and the files of other offices that have not come in time.
func (x *Exchange) FilesStatus(ctx context.Context) (FilesStatus, error) {
	var st FilesStatus
	fs, err := x.st.FileSettings(ctx)
	if err != nil {
		return st, err
	}
	st.Budget = fs.Budget
	if st.Published, err = x.st.PublishedBytes(ctx); err != nil {
		return st, readErr(err)
	}
	wanted, err := x.st.FilesWanted(ctx)
	if err != nil {
		return st, err
	}
	st.Arriving = len(wanted)
	for _, w := range wanted {
		st.ArrivingBytes += w.Size
	}
	if st.Late, err = x.st.LateFiles(ctx, x.cfg.FilesPasses, x.cfg.FilesWait); err != nil {
		return st, err
	}
	x.smu.Lock()
	looked := x.fileWaits != nil
	st.Waiting = append(st.Waiting, x.fileWaits...)
	x.smu.Unlock()
	if !looked {
		// No look of this program has published yet (a command-line status, a window
		// just started): the register says what the next look will leave out, with the
		// budget as it is now.
		if st.Waiting, err = x.overBudget(ctx, fs.Budget, st.Published); err != nil {
			return st, err
		}
	}
	return st, nil
}

// overBudget lists this office's files the folder does not hold yet that do not fit in
// budget beside the used bytes, by the rule of publishFiles (oldest first, each one
// that fits is counted in).
func (x *Exchange) overBudget(ctx context.Context, budget, used int64) ([]FileWait, error) {
	if budget <= 0 {
		return nil, nil
	}
	todo, err := x.st.FilesToPublish(ctx)
	if err != nil {
		return nil, err
	}
	var waits []FileWait
	for _, f := range todo {
		if used+f.Size > budget {
			waits = append(waits, FileWait{SHA256: f.SHA256, Size: f.Size, Reason: "budget"})
			continue
		}
		used += f.Size
	}
	return waits, nil
}
