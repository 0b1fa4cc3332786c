package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"ascolto/data"
	"ascolto/data/exchange"
)

// stFolderID is the Syncthing folder both offices share: the exchange folder.
const stFolderID = "ascolto-exchange"

// stNode is one Syncthing instance on 127.0.0.1 keeping one office's copy of the
// exchange folder.
type stNode struct {
	name, home, folder, id, apiKey string
	listen, gui                    int
	cmd                            *exec.Cmd
	done                           chan struct{}
	log                            *lockedBuffer
}

// findSyncthing returns the syncthing program. As root (make test, CI) a missing one
// fails the test: the carrier test must not pass by being skipped where it should run.
func findSyncthing(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("syncthing")
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("syncthing is not installed (Debian package syncthing, in TEST_PACKAGES)")
		}
		t.Skip("syncthing is not installed (Debian package syncthing)")
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var deviceIDPattern = regexp.MustCompile(`<device id="([A-Z0-9-]{50,70})"`)

// newSTNode makes a key and a device ID with `syncthing generate`; the configuration
// itself is written by writeSTConfig once both IDs are known.
func newSTNode(t *testing.T, bin, root, name string) *stNode {
	t.Helper()
	n := &stNode{name: name, home: filepath.Join(root, "st-"+name), folder: filepath.Join(root, "exchange-"+name),
		apiKey: fmt.Sprintf("ascolto-test-%s-%d", name, time.Now().UnixNano()), listen: freePort(t), gui: freePort(t)}
	cmd := exec.Command(bin, "generate", "--home", n.home, "--no-default-folder", "--skip-port-probing")
	cmd.Env = append(os.Environ(), "HOME="+root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("syncthing generate: %v\n%s", err, out)
	}
	cfg, err := os.ReadFile(filepath.Join(n.home, "config.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m := deviceIDPattern.FindSubmatch(cfg)
	if m == nil {
		t.Fatalf("no device ID in the generated config:\n%s", cfg)
	}
	n.id = string(m[1])
	// Syncthing refuses a folder without its marker (it would otherwise take an
	// unmounted share for a folder whose files were all deleted).
	if err := os.MkdirAll(filepath.Join(n.folder, ".stfolder"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The exchange's own temporary files live for milliseconds before their rename;
	// carrying them would only send bytes that arrive again under the final name.
	if err := os.WriteFile(filepath.Join(n.folder, ".stignore"), []byte(exchange.TempPrefix+"*\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

// stConfig is the configuration the documentation recommends (docs/exchange.md,
// Carriers), with ports of this machine and a quick rescan for the test: no global
// discovery, relays, NAT or usage reporting; the other office by ID at a static address;
// one folder, send and receive, watched for changes.
var stConfig = template.Must(template.New("config").Parse(`<configuration version="36">
    <folder id="{{.FolderID}}" label="Ascolto exchange" path="{{.Self.Folder}}" type="sendreceive" rescanIntervalS="10" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
        <filesystemType>basic</filesystemType>
        <device id="{{.Self.ID}}" introducedBy=""></device>
        <device id="{{.Peer.ID}}" introducedBy=""></device>
        <minDiskFree unit="%">0</minDiskFree>
        <maxConflicts>10</maxConflicts>
        <markerName>.stfolder</markerName>
    </folder>
    <device id="{{.Self.ID}}" name="{{.Self.Name}}" compression="metadata" introducer="false">
        <address>dynamic</address>
    </device>
    <device id="{{.Peer.ID}}" name="{{.Peer.Name}}" compression="metadata" introducer="false">
        <address>tcp://127.0.0.1:{{.Peer.Listen}}</address>
        <autoAcceptFolders>false</autoAcceptFolders>
    </device>
    <gui enabled="true" tls="false">
        <address>127.0.0.1:{{.Self.GUI}}</address>
        <apikey>{{.Self.APIKey}}</apikey>
    </gui>
    <options>
        <listenAddress>tcp://127.0.0.1:{{.Self.Listen}}</listenAddress>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <urAccepted>-1</urAccepted>
        <startBrowser>false</startBrowser>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <crashReportingEnabled>false</crashReportingEnabled>
        <reconnectionIntervalS>1</reconnectionIntervalS>
        <minHomeDiskFree unit="%">0</minHomeDiskFree>
    </options>
</configuration>
`))

type stView struct {
	Name, ID, Folder, APIKey string
	Listen, GUI              int
}

func (n *stNode) view() stView {
	return stView{Name: n.name, ID: n.id, Folder: n.folder, APIKey: n.apiKey, Listen: n.listen, GUI: n.gui}
}

func writeSTConfig(t *testing.T, self, peer *stNode) {
	t.Helper()
	var b bytes.Buffer
	if err := stConfig.Execute(&b, map[string]any{"FolderID": stFolderID, "Self": self.view(), "Peer": peer.view()}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(self.home, "config.xml"), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (n *stNode) start(t *testing.T, bin, root string) {
	t.Helper()
	n.log = &lockedBuffer{}
	n.cmd = exec.Command(bin, "serve", "--home", n.home, "--no-browser", "--no-restart", "--no-upgrade")
	n.cmd.Env = append(os.Environ(), "HOME="+root, "STNODEFAULTFOLDER=1", "STNOUPGRADE=1", "STNORESTART=1")
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func() { n.cmd.Wait(); close(n.done) }()
	t.Cleanup(func() { n.stop() })
}

func (n *stNode) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(5 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
	}
}

// rest calls the instance's REST API and decodes its JSON answer into out.
func (n *stNode) rest(method, path string, out any) error {
	req, err := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d%s", n.gui, path), nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", n.apiKey)
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(b.String()))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b.Bytes(), out)
}

// waitFor polls cond every 20 ms until it holds; the instances' logs tell why it did
// not.
func waitFor(t *testing.T, what string, limit time.Duration, nodes []*stNode, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		for _, n := range nodes {
			select {
			case <-n.done:
				t.Fatalf("syncthing %s stopped while waiting for %s:\n%s", n.name, what, n.log.String())
			default:
			}
		}
		if time.Now().After(deadline) {
			var logs strings.Builder
			for _, n := range nodes {
				fmt.Fprintf(&logs, "--- syncthing %s ---\n%s\n", n.name, n.log.String())
			}
			t.Fatalf("%s: not after %v (last error: %v)\n%s", what, limit, last, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// carry has from's Syncthing look at its copy now (rather than when its watcher fires)
// and waits until to's copy holds every exchange file from's copy holds, byte for byte,
// and from's Syncthing reports to's copy complete.
func carry(t *testing.T, from, to *stNode, nodes []*stNode) {
	t.Helper()
	if err := from.rest(http.MethodPost, "/rest/db/scan?folder="+stFolderID, nil); err != nil {
		t.Fatal(err)
	}
	want := exchangeFiles(t, from.folder)
	waitFor(t, fmt.Sprintf("%d files carried from %s to %s", len(want), from.name, to.name), time.Minute, nodes, func() (bool, error) {
		for rel, content := range want {
			got, err := os.ReadFile(filepath.Join(to.folder, rel))
			if err != nil || !bytes.Equal(got, content) {
				return false, err
			}
		}
		var c struct {
			Completion float64 `json:"completion"`
			NeedItems  int     `json:"needItems"`
		}
		if err := from.rest(http.MethodGet, "/rest/db/completion?folder="+stFolderID+"&device="+to.id, &c); err != nil {
			return false, err
		}
		return c.Completion == 100 && c.NeedItems == 0, nil
	})
}

// exchangeFiles reads every file of the exchange in a copy of the folder, by its path
// inside it: Syncthing's marker, ignore list and temporary files are not the
// exchange's.
func exchangeFiles(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == ".stfolder" || name == ".stversions" {
				return filepath.SkipDir
			}
			return nil
		}
		if name == ".stignore" || strings.HasPrefix(name, ".syncthing.") || strings.HasPrefix(name, "~syncthing~") || strings.HasPrefix(name, exchange.TempPrefix) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSyncthingCarriesTheExchange runs two Syncthing instances on 127.0.0.1, each
// keeping one office's copy of the exchange folder, with the settings docs/exchange.md
// recommends. Each office's register works on its own copy only: what one office
// publishes reaches the other by Syncthing alone. Bolzano records a case and forwards
// it to Merano; Merano receives it, answers it, and Bolzano receives the answer; both
// registers end up the same, nothing is refused and Syncthing made no conflict copy.
func TestSyncthingCarriesTheExchange(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops syncthing and sync --watch with SIGTERM")
	}
	st := findSyncthing(t)
	bin := buildCtl(t)
	started := time.Now()
	root := t.TempDir()
	bz, me := newSTNode(t, st, root, "BZ"), newSTNode(t, st, root, "ME")
	nodes := []*stNode{bz, me}
	writeSTConfig(t, bz, me)
	writeSTConfig(t, me, bz)
	// One after the other, each answering before the next starts: the second then finds
	// the first listening at once instead of waiting for its next attempt to connect.
	for _, n := range nodes {
		n.start(t, st, root)
		waitFor(t, "syncthing "+n.name+" answering", time.Minute, []*stNode{n}, func() (bool, error) {
			return n.rest(http.MethodGet, "/rest/system/ping", nil) == nil, nil
		})
	}
	for _, pair := range [][2]*stNode{{bz, me}, {me, bz}} {
		self, peer := pair[0], pair[1]
		waitFor(t, self.name+" connected to "+peer.name, time.Minute, nodes, func() (bool, error) {
			var c struct {
				Connections map[string]struct {
					Connected bool `json:"connected"`
				} `json:"connections"`
			}
			if err := self.rest(http.MethodGet, "/rest/system/connections", &c); err != nil {
				return false, err
			}
			return c.Connections[peer.id].Connected, nil
		})
	}
	t.Logf("syncthing: both instances up and connected after %v", time.Since(started).Round(time.Millisecond))

	bzDB, meDB := filepath.Join(root, "bz", "register.ascolto"), filepath.Join(root, "me", "register.ascolto")
	procOK(t, bin, bzDB, "init", "--office", "BZ", "--name-it", "Centro di mediazione lavoro Bolzano", "--name-de", "Arbeitsvermittlungszentrum Bozen")
	procOK(t, bin, meDB, "init", "--office", "ME", "--name-it", "Centro di mediazione lavoro Merano", "--name-de", "Arbeitsvermittlungszentrum Meran")
	procOK(t, bin, bzDB, "exchange", "join", "--folder", bz.folder)
	procOK(t, bin, meDB, "exchange", "join", "--folder", me.folder)
	carry(t, bz, me, nodes)
	carry(t, me, bz, nodes)
	procOK(t, bin, bzDB, "exchange", "trust", "ME", "--fingerprint", fingerprintOf(t, meDB), "--folder", bz.folder)
	procOK(t, bin, meDB, "exchange", "trust", "BZ", "--fingerprint", fingerprintOf(t, bzDB), "--folder", me.folder)

	var c data.Case
	out := procOK(t, bin, bzDB, "add", "--kind", "request", "--channel", "counter", "--subject", "Iscrizione alle liste di mobilità",
		"--citizen-name", "Anna Pichler", "--language", "it", "--json")
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err, out)
	}
	// A scanned form goes with the case: 300 KB that do not compress, as scans do.
	scan := make([]byte, 300<<10)
	rand.New(rand.NewSource(7)).Read(scan)
	copy(scan, "%PDF-1.4\n")
	scanPath := filepath.Join(root, "modulo iscrizione.pdf")
	if err := os.WriteFile(scanPath, scan, 0o644); err != nil {
		t.Fatal(err)
	}
	var added data.CaseFile
	if err := json.Unmarshal([]byte(procOK(t, bin, bzDB, "attach", c.Number, scanPath, "--json")), &added); err != nil {
		t.Fatal(err)
	}
	procOK(t, bin, bzDB, "forward", c.Number, "--to", "ME", "--note", "competenza territoriale")
	sent := time.Now()
	procOK(t, bin, bzDB, "sync", "--folder", bz.folder, "--once")
	carry(t, bz, me, nodes)
	carried := time.Since(sent)
	procOK(t, bin, meDB, "sync", "--folder", me.folder, "--once")
	var got data.Case
	if err := json.Unmarshal([]byte(procOK(t, bin, meDB, "show", c.Number, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	reached := time.Since(sent)
	if got.ID != c.ID || got.Office != "ME" || got.Subject != c.Subject {
		t.Fatalf("Merano holds %+v, want the case %s forwarded to ME", got, c.Number)
	}
	t.Logf("case %s with a %d KB file: in Merano's copy of the folder %v after Bolzano's sync began, in Merano's register after %v",
		c.Number, len(scan)>>10, carried.Round(time.Millisecond), reached.Round(time.Millisecond))
	var files []data.CaseFile
	if err := json.Unmarshal([]byte(procOK(t, bin, meDB, "attachments", c.Number, "--json")), &files); err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || !files[0].Arrived || files[0].Origin != "BZ" || files[0].SHA256 != added.SHA256 || added.SHA256 != sha256Hex(scan) {
		t.Fatalf("Merano's files: %+v, Bolzano added %+v", files, added)
	}
	saved := filepath.Join(root, "salvato.pdf")
	procOK(t, bin, meDB, "attachment", "save", c.Number, files[0].ID, "--out", saved)
	if b, err := os.ReadFile(saved); err != nil || !bytes.Equal(b, scan) {
		t.Fatalf("the file saved in Merano differs (%v)", err)
	}

	// The answer goes back the same way.
	procOK(t, bin, meDB, "reply", c.Number, "--text", "Gentile signora Pichler, la Sua iscrizione è stata registrata.")
	procOK(t, bin, meDB, "sync", "--folder", me.folder, "--once")
	carry(t, me, bz, nodes)
	procOK(t, bin, bzDB, "sync", "--folder", bz.folder, "--once")
	// Each office's acknowledgement travels too; once both have looked at what the other
	// wrote, the registers must be the same.
	carry(t, bz, me, nodes)
	procOK(t, bin, meDB, "sync", "--folder", me.folder, "--once")
	carry(t, me, bz, nodes)
	if err := json.Unmarshal([]byte(procOK(t, bin, bzDB, "show", c.Number, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != data.StatusAnswered || got.Reply.At == nil {
		t.Fatalf("Bolzano did not receive Merano's answer: %+v", got)
	}
	if a, b := registerState(t, bzDB), registerState(t, meDB); a != b {
		t.Fatalf("the registers differ:\nBZ %s\nME %s", a, b)
	}
	// As offices run it: `sync --watch` in each office on its own copy, Syncthing
	// noticing the new files by its watcher (no scan asked for), and a clerk in Bolzano
	// forwarding another case. The time until Merano's register holds it is the figure
	// docs/exchange.md gives (Carriers).
	watchers := map[string]*exec.Cmd{}
	for _, o := range []struct {
		db string
		n  *stNode
	}{{bzDB, bz}, {meDB, me}} {
		cmd := exec.Command(bin, "--db", o.db, "--actor", "sync", "sync", "--folder", o.n.folder, "--watch", "--poll", "1s")
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		watchers[o.n.name] = cmd
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			if t.Failed() {
				t.Logf("sync --watch in %s:\n%s", o.n.name, out.String())
			}
		})
	}
	var c2 data.Case
	out = procOK(t, bin, bzDB, "add", "--kind", "complaint", "--channel", "phone", "--subject", "Wartezeiten bei der Vormerkung",
		"--citizen-name", "Jörg Mair", "--language", "de", "--json")
	if err := json.Unmarshal([]byte(out), &c2); err != nil {
		t.Fatal(err, out)
	}
	procOK(t, bin, bzDB, "forward", c2.Number, "--to", "ME")
	forwarded := time.Now()
	meStore, err := data.Open(meDB, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer meStore.Close()
	waitFor(t, "the second case in Merano's register", time.Minute, nodes, func() (bool, error) {
		got, err := meStore.Get(t.Context(), c2.ID)
		return err == nil && got.Office == "ME", nil
	})
	t.Logf("case %s forwarded in Bolzano with sync --watch in both offices and Syncthing's watcher (delay 1 s): in Merano's register after %v",
		c2.Number, time.Since(forwarded).Round(time.Millisecond))
	for name, cmd := range watchers {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("sync --watch in %s ended with %v", name, err)
		}
	}

	for _, o := range []struct {
		db string
		n  *stNode
	}{{bzDB, bz}, {meDB, me}} {
		var st exchange.Status
		if err := json.Unmarshal([]byte(procOK(t, bin, o.db, "exchange", "status", "--folder", o.n.folder, "--json")), &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Rejected) > 0 {
			t.Errorf("%s refused files: %+v", o.n.name, st.Rejected)
		}
		for rel := range exchangeFiles(t, o.n.folder) {
			if strings.Contains(rel, ".sync-conflict-") {
				t.Errorf("Syncthing made a conflict copy in %s's folder: %s", o.n.name, rel)
			}
		}
	}

	// A real conflict: the two copies change the same file while the offices cannot
	// reach each other (someone wrote a note into Bolzano's sub-folder on both sides).
	// Syncthing keeps one and renames the other NAME.sync-conflict-…; the exchange lists
	// both as not its own, applies nothing and deletes nothing.
	for _, pair := range [][2]*stNode{{bz, me}, {me, bz}} {
		if err := pair[0].rest(http.MethodPost, "/rest/system/pause?device="+pair[1].id, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		if err := os.WriteFile(filepath.Join(n.folder, "BZ", "nota.txt"), []byte("scritto a "+n.name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := n.rest(http.MethodPost, "/rest/db/scan?folder="+stFolderID, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, pair := range [][2]*stNode{{bz, me}, {me, bz}} {
		if err := pair[0].rest(http.MethodPost, "/rest/system/resume?device="+pair[1].id, nil); err != nil {
			t.Fatal(err)
		}
	}
	conflict := ""
	waitFor(t, "Syncthing's conflict copy in both folders", time.Minute, nodes, func() (bool, error) {
		for _, n := range nodes {
			found := ""
			for rel := range exchangeFiles(t, n.folder) {
				if strings.HasPrefix(rel, "BZ/nota.sync-conflict-") && strings.HasSuffix(rel, ".txt") {
					found = rel
				}
			}
			if found == "" || conflict != "" && found != conflict {
				return false, nil
			}
			conflict = found
		}
		return true, nil
	})
	before := registerState(t, bzDB)
	for _, o := range []struct {
		db string
		n  *stNode
	}{{bzDB, bz}, {meDB, me}} {
		procOK(t, bin, o.db, "sync", "--folder", o.n.folder, "--once")
		var st exchange.Status
		if err := json.Unmarshal([]byte(procOK(t, bin, o.db, "exchange", "status", "--folder", o.n.folder, "--json")), &st); err != nil {
			t.Fatal(err)
		}
		reasons := map[string]exchange.Reason{}
		for _, r := range st.Rejected {
			reasons[r.Path] = r.Reason
		}
		if reasons[conflict] != exchange.ReasonConflictCopy || reasons["BZ/nota.txt"] != exchange.ReasonBadName || len(reasons) != 2 {
			t.Errorf("%s lists %v, want %s as a conflict copy and BZ/nota.txt as a bad name", o.n.name, reasons, conflict)
		}
		if _, err := os.Stat(filepath.Join(o.n.folder, filepath.FromSlash(conflict))); err != nil {
			t.Errorf("%s: the conflict copy is gone: %v", o.n.name, err)
		}
	}
	if a, b := registerState(t, bzDB), registerState(t, meDB); a != before || b != before {
		t.Fatalf("the conflict copy changed a register:\nbefore %s\nBZ %s\nME %s", before, a, b)
	}
	t.Logf("Syncthing's conflict copy %s: listed as conflict_copy by both offices, nothing applied", conflict)
	t.Logf("whole test %v", time.Since(started).Round(time.Millisecond))
}
