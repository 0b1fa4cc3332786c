//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
)

// A desk is the real window driven as a clerk drives it: its own Xvfb display, the keys
// and clicks sent through the X server (xdotool, XTEST), and what the window shows read
// back from the display (a screenshot of the root window, read by tesseract).

type desk struct {
	t       *testing.T
	display string // ":N"
	xvfb    *exec.Cmd
	win     string // the window's X id
	lang    string // it, de
	ocrLang string // ita, deu
	out     string // where the screenshots are kept
	prefix  string // of the screenshots' names
	shots   []string
	n       int
	// kept are the screenshots kept, with what was read on them, for the check of
	// the language.
	kept []screen
}

// needTools skips (fails in CI) when a program the desk needs is missing.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " is not installed (make test installs it: TEST_PACKAGES in the Makefile)"
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg + "; skipped outside CI")
		}
	}
	for _, l := range []string{"ita", "deu"} {
		out, _ := exec.Command("tesseract", "--list-langs").CombinedOutput()
		if !strings.Contains(string(out), "\n"+l) {
			msg := "tesseract has no " + l + " data (apt-get install tesseract-ocr-" + l + ")"
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// newDesk starts an X display of its own (1280×800, as the smoke test's) and returns the
// desk; the display goes when the test ends.
func newDesk(t *testing.T, lang, out, prefix string) *desk {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// -displayfd: the server picks a free display and writes its number when it is ready.
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	x.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := x.Start(); err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() {
		syscall.Kill(-x.Process.Pid, syscall.SIGTERM)
		x.Wait()
	})
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
		r.Close()
	}()
	var n string
	select {
	case n = <-num:
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not say which display it took within 30 s")
	}
	if _, err := strconv.Atoi(n); err != nil {
		t.Fatalf("Xvfb gave no display number (%q)", n)
	}
	ocr := map[string]string{"it": "ita", "de": "deu"}[lang]
	return &desk{t: t, display: ":" + n, xvfb: x, lang: lang, ocrLang: ocr, out: out, prefix: prefix}
}

func (d *desk) env() []string { return append(os.Environ(), "DISPLAY="+d.display) }

// x runs an X tool on the desk's display, bounded in time.
func (d *desk) x(limit time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// findWindow waits for the program's window and gives it the keyboard.
func (d *desk) findWindow(limit time.Duration) {
	d.t.Helper()
	out, err := d.x(limit, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^Ascolto")
	if err != nil {
		d.t.Fatalf("the window did not appear within %v: %v", limit, err)
	}
	d.win = strings.Fields(out)[0]
	d.focus()
}

// focus gives the window the keyboard (no window manager runs on the display: the
// focus stays where it is put).
func (d *desk) focus() {
	d.t.Helper()
	if _, err := d.x(10*time.Second, "xdotool", "windowfocus", d.win); err != nil {
		d.t.Fatalf("focus the window: %v", err)
	}
}

// key presses keys as xdotool names them (ctrl+n, Tab, Return), one after another.
func (d *desk) key(keys ...string) {
	d.t.Helper()
	d.focus()
	args := append([]string{"key", "--delay", "80"}, keys...)
	if _, err := d.x(30*time.Second, "xdotool", args...); err != nil {
		d.t.Fatalf("keys %v: %v", keys, err)
	}
}

// typeText types s key by key, as a clerk types.
func (d *desk) typeText(s string) {
	d.t.Helper()
	d.focus()
	if _, err := d.x(60*time.Second, "xdotool", "type", "--delay", "40", s); err != nil {
		d.t.Fatalf("type %q: %v", s, err)
	}
}

// screen is one screenshot and what tesseract read on it.
type screen struct {
	path  string
	text  string
	words []ocrWord
	set   map[string]bool // the words read, lower case (splitWords)
}

type ocrWord struct {
	text       string
	x, y, w, h int
}

// has reports whether every word of the phrases was read (case and punctuation aside).
// Word by word: tesseract reads a wrapped sentence beside a button in its own order.
func (s screen) has(phrases ...string) bool {
	read := map[string]bool{}
	for _, o := range s.words {
		read[bare(o.text)] = true
	}
	for _, p := range phrases {
		for _, w := range strings.Fields(p) {
			if !read[bare(w)] {
				return false
			}
		}
	}
	return true
}

func bare(s string) string {
	return strings.ToLower(strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}

// shoot takes a screenshot of the display and reads it. Every screenshot is kept, under
// a numbered name, for the CI artefacts.
func (d *desk) shoot(name string) screen {
	d.t.Helper()
	d.n++
	path := filepath.Join(d.out, fmt.Sprintf("%s-%02d-%s.png", d.prefix, d.n, name))
	if _, err := d.x(30*time.Second, "import", "-window", "root", path); err != nil {
		d.t.Fatalf("screenshot: %v", err)
	}
	d.shots = append(d.shots, path)
	s := d.read(path)
	d.kept = append(d.kept, s)
	return s
}

// read has tesseract read a screenshot.
func (d *desk) read(path string) screen {
	d.t.Helper()
	s := screen{path: path}
	// tesseract reads the interface's small type better at twice the size.
	big := strings.TrimSuffix(path, ".png") + ".ocr.png"
	defer os.Remove(big)
	if _, err := d.x(30*time.Second, "convert", path, "-resize", "200%", big); err != nil {
		d.t.Fatalf("enlarge the screenshot: %v", err)
	}
	tsv, err := d.x(60*time.Second, "tesseract", big, "-", "-l", d.ocrLang, "--psm", "11", "tsv")
	if err != nil {
		d.t.Fatalf("tesseract: %v", err)
	}
	var lines []string
	for _, row := range strings.Split(tsv, "\n")[1:] {
		f := strings.Split(row, "\t")
		if len(f) < 12 || strings.TrimSpace(f[11]) == "" {
			continue
		}
		n := make([]int, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(f[6+i])
			n[i] /= 2 // back to the screen's pixels
		}
		w := ocrWord{text: f[11], x: n[0], y: n[1], w: n[2], h: n[3]}
		s.words = append(s.words, w)
		lines = append(lines, w.text)
	}
	s.text = strings.Join(lines, " ")
	s.set = map[string]bool{}
	for _, w := range splitWords(s.text) {
		s.set[w] = true
	}
	return s
}

// waitFor takes screenshots until the screen shows every phrase, and fails with the last
// screenshot's text when it does not within limit.
func (d *desk) waitFor(name string, limit time.Duration, phrases ...string) screen {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		s := d.shoot(name)
		if s.has(phrases...) {
			return s
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: the screen did not show %q within %v; it read (%s):\n%s", name, phrases, limit, s.path, s.text)
		}
		// Only the last try of a wait is worth keeping.
		os.Remove(s.path)
		d.shots, d.kept = d.shots[:len(d.shots)-1], d.kept[:len(d.kept)-1]
		d.n--
		time.Sleep(300 * time.Millisecond)
	}
}
