package cpe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// xferEnv is a transfer subsystem on a fakeHost, with its timer driven by
// the test: timers records what the subsystem armed, and the test plays
// the timer by advancing the fake clock and calling poll.
type xferEnv struct {
	t   *testing.T
	h   *fakeHost
	x   *transfers
	mux *cwmp.ServeMux

	mu     sync.Mutex
	timers []time.Duration
}

func newXferEnv(t *testing.T) *xferEnv {
	t.Helper()
	e := &xferEnv{t: t, h: newFakeHost(t)}
	e.x = newTransfers(e.h)
	e.x.cfg.timeout = 10 * time.Second
	e.x.cfg.afterFunc = func(d time.Duration, f func()) func() bool {
		e.mu.Lock()
		e.timers = append(e.timers, d)
		e.mu.Unlock()
		return func() bool { return true }
	}
	e.mux = cwmp.NewServeMux(cwmp.RoleCPE)
	e.x.register(e.mux)
	t.Cleanup(e.x.close)
	return e
}

// call sends one request through the mux, as a session does.
func (e *xferEnv) call(req cwmp.Message) cwmp.Message {
	e.t.Helper()
	resp, err := e.mux.ServeCWMP(context.Background(), req)
	if err != nil {
		e.t.Fatalf("%s: %v", req.MethodName(), err)
	}
	return resp
}

// mustCall sends a request that must succeed.
func (e *xferEnv) mustCall(req cwmp.Message) cwmp.Message {
	e.t.Helper()
	resp := e.call(req)
	if f, ok := resp.(*cwmp.Fault); ok {
		e.t.Fatalf("%s: %v", req.MethodName(), f)
	}
	return resp
}

// wantFault sends a request that must fail with code.
func (e *xferEnv) wantFault(req cwmp.Message, code cwmp.FaultCode) {
	e.t.Helper()
	resp := e.call(req)
	f, ok := resp.(*cwmp.Fault)
	if !ok {
		e.t.Fatalf("%s: got %T, want fault %d", req.MethodName(), resp, code)
	}
	if f.Code != code {
		e.t.Fatalf("%s: fault %v, want %d", req.MethodName(), f, code)
	}
}

// endSession plays the end of the session and waits for the transfers it
// started.
func (e *xferEnv) endSession() {
	e.h.runAfterSession()
	e.x.wg.Wait()
}

// tick advances the fake clock and plays the subsystem's timer.
func (e *xferEnv) tick(d time.Duration) {
	e.h.advance(d)
	e.x.poll()
	e.x.wg.Wait()
}

func (e *xferEnv) lastTimer() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.timers) == 0 {
		e.t.Fatal("no timer armed")
	}
	return e.timers[len(e.timers)-1]
}

// completes returns the TransferCompletes queued so far.
func (e *xferEnv) completes() []*cwmp.TransferComplete {
	_, reqs := e.h.snapshot()
	var out []*cwmp.TransferComplete
	for _, r := range reqs {
		if tc, ok := r.(*cwmp.TransferComplete); ok {
			out = append(out, tc)
		}
	}
	return out
}

// onlyComplete returns the one TransferComplete queued, failing otherwise.
func (e *xferEnv) onlyComplete() *cwmp.TransferComplete {
	e.t.Helper()
	tcs := e.completes()
	if len(tcs) != 1 {
		e.t.Fatalf("%d TransferCompletes queued, want 1: %+v", len(tcs), tcs)
	}
	return tcs[0]
}

func (e *xferEnv) queued() []cwmp.AllQueuedTransferStruct {
	e.t.Helper()
	return e.mustCall(&cwmp.GetAllQueuedTransfers{}).(*cwmp.GetAllQueuedTransfersResponse).TransferList
}

// fileServer is a file server on 127.0.0.1 that misbehaves on request.
type fileServer struct {
	*httptest.Server
	t     *testing.T
	image []byte        // the good firmware image at /fw
	gate  chan struct{} // /block answers once it is closed
	done  chan struct{} // closed at cleanup: stalled handlers return

	mu      sync.Mutex
	uploads []upload
	flaky   atomic.Bool // /flaky answers 404 while set
}

type upload struct {
	method, path, contentType string
	body                      []byte
}

const (
	fwUser     = "fwuser"
	fwPassword = "fwsecret"
)

func newFileServer(t *testing.T, tlsServer bool) *fileServer {
	t.Helper()
	fs := &fileServer{t: t, image: BuildFirmware("2.0.0", []byte("new firmware payload")), gate: make(chan struct{}), done: make(chan struct{})}
	digestAuth := &cwmp.Authenticator{Realm: "files", Password: func(_ context.Context, u string) (string, bool) {
		return fwPassword, u == fwUser
	}}
	basicAuth := &cwmp.Authenticator{Realm: "files", Basic: true, Password: digestAuth.Password}
	mux := http.NewServeMux()
	serve := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.Write(b) }
	}
	protect := func(a *cwmp.Authenticator, h http.Handler) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if _, err := a.Authenticate(r); err != nil {
				a.Challenge(w, err)
				return
			}
			h.ServeHTTP(w, r)
		}
	}
	mux.HandleFunc("/fw", serve(fs.image))
	mux.HandleFunc("/fw-other-class", serve(FirmwareImage{Version: "2.0.0", ProductClass: "OtherBox", Payload: []byte("x")}.Bytes()))
	bad := bytes.Clone(fs.image)
	bad[len(bad)-1] ^= 1
	mux.HandleFunc("/fw-bad-sum", serve(bad))
	mux.HandleFunc("/corrupt", serve([]byte("this is no firmware image\n")))
	mux.HandleFunc("/web", serve([]byte("<html>web content</html>")))
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) })
	mux.HandleFunc("/digest/fw", protect(digestAuth, serve(fs.image)))
	mux.HandleFunc("/basic/fw", protect(basicAuth, serve(fs.image)))
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/fw", http.StatusFound) })
	mux.HandleFunc("/redirect-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://127.0.0.1/fw", http.StatusFound)
	})
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if fs.flaky.Load() {
			http.NotFound(w, r)
			return
		}
		w.Write(fs.image)
	})
	// /truncated promises 1000 bytes and sends 10.
	mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
		buf.Write(fs.image[:10])
		buf.Flush()
	})
	// /stall sends part of the body and then nothing.
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(fs.image[:10])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-fs.done:
		}
	})
	// /block answers with the image once the test opens the gate.
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-fs.gate:
			w.Write(fs.image)
		case <-r.Context().Done():
		case <-fs.done:
		}
	})
	record := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.uploads = append(fs.uploads, upload{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body})
		fs.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}
	mux.HandleFunc("/upload/", record)
	mux.HandleFunc("/post-only/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		record(w, r)
	})
	mux.HandleFunc("/digest/upload/", protect(digestAuth, http.HandlerFunc(record)))
	fs.Server = httptest.NewUnstartedServer(mux)
	// The untrusted-certificate test makes the server log handshake
	// errors.
	fs.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsServer {
		fs.StartTLS()
	} else {
		fs.Start()
	}
	t.Cleanup(fs.Close)
	t.Cleanup(func() { close(fs.done) }) // runs first: stalled handlers return
	return fs
}

func (fs *fileServer) gotUploads() []upload {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.uploads)
}

// closedPort returns a URL on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func download(url string) *cwmp.Download {
	return &cwmp.Download{CommandKey: "ck-dl", FileType: cwmp.FileFirmwareImage, URL: url}
}

func softwareVersion(t *testing.T, h *fakeHost) string {
	t.Helper()
	v, _, err := h.tree().Get("Device.DeviceInfo.SoftwareVersion")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDownloadFirmware(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	if err := e.h.tree().Set("Device.DeviceInfo.SoftwareVersion", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	req := download(fs.URL + "/fw")
	req.FileSize = uint32(len(fs.image))
	req.TargetFileName = "fw.bin"
	resp := e.mustCall(req).(*cwmp.DownloadResponse)
	if resp.Status != 1 || !resp.StartTime.IsZero() || !resp.CompleteTime.IsZero() {
		t.Fatalf("DownloadResponse %+v, want Status 1 and unknown times", resp)
	}
	// Nothing happens before the session ends.
	e.x.wg.Wait()
	if q := e.queued(); len(q) != 1 || q[0].State != cwmp.TransferNotStarted || e.completes() != nil {
		t.Fatalf("before the session ends: queued %+v, completes %+v", q, e.completes())
	}

	e.endSession()
	tc := e.onlyComplete()
	now := e.h.now()
	if tc.CommandKey != "ck-dl" || tc.FaultStruct.FaultCode != 0 || !tc.StartTime.Equal(now) || !tc.CompleteTime.Equal(now) {
		t.Fatalf("TransferComplete %+v, want success at %v", tc, now)
	}
	events, _ := e.h.snapshot()
	want := []cwmp.EventStruct{{EventCode: cwmp.EventTransferComplete}, {EventCode: cwmp.EventMDownload, CommandKey: "ck-dl"}}
	if !slices.Equal(events, want) {
		t.Fatalf("events %+v, want %+v", events, want)
	}
	// The image is installed by a reboot of the agent's own (no M Reboot),
	// and the device runs the new version from it on.
	if len(e.h.reboots) != 1 || e.h.reboots[0] != nil {
		t.Fatalf("reboots %v, want one without CommandKey", e.h.reboots)
	}
	if e.h.wakes != 0 {
		t.Errorf("wake called %d times; the reboot starts the session", e.h.wakes)
	}
	if v := softwareVersion(t, e.h); v != "2.0.0" {
		t.Fatalf("SoftwareVersion %q after the reboot, want 2.0.0", v)
	}
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("queue after completion: %+v", q)
	}
	if len(e.x.stored) != 1 || e.x.stored[0].Version != "2.0.0" || e.x.stored[0].TargetFileName != "fw.bin" {
		t.Fatalf("stored files %+v", e.x.stored)
	}
}

func TestDownloadFailures(t *testing.T) {
	fs := newFileServer(t, false)
	tests := []struct {
		name     string
		url      string
		fileType string
		fileSize uint32
		user     string
		password string
		maxSize  int64
		class    string // the device's ProductClass
		// cancelMidBody ends the attempt once the response headers are in.
		cancelMidBody bool
		want          cwmp.FaultCode
	}{
		{name: "not found", url: fs.URL + "/missing", want: cwmp.FaultFileAccess},
		{name: "server error", url: fs.URL + "/error", want: cwmp.FaultFileAccess},
		{name: "forbidden without credentials", url: fs.URL + "/forbidden", want: cwmp.FaultFileAccess},
		{name: "forbidden with credentials", url: fs.URL + "/forbidden", user: fwUser, password: fwPassword, want: cwmp.FaultTransferAuthentication},
		{name: "digest wrong password", url: fs.URL + "/digest/fw", user: fwUser, password: "wrong", want: cwmp.FaultTransferAuthentication},
		{name: "digest no credentials", url: fs.URL + "/digest/fw", want: cwmp.FaultTransferAuthentication},
		{name: "basic wrong user", url: fs.URL + "/basic/fw", user: "nobody", password: fwPassword, want: cwmp.FaultTransferAuthentication},
		{name: "connection refused", url: closedPort(t) + "/fw", want: cwmp.FaultFileServerUnreachable},
		{name: "truncated body", url: fs.URL + "/truncated", want: cwmp.FaultDownloadIncomplete},
		// The attempt ends once the headers are in (in production its
		// deadline does): ending it by a short timeout instead raced the
		// headers on a loaded machine, and a timeout before them is 9015.
		{name: "stalled body", url: fs.URL + "/stall", cancelMidBody: true, want: cwmp.FaultDownloadIncomplete},
		{name: "larger than FileSize", url: fs.URL + "/fw", fileSize: 10, want: cwmp.FaultFileCorrupted},
		{name: "smaller than FileSize", url: fs.URL + "/fw", fileSize: 100000, want: cwmp.FaultFileCorrupted},
		{name: "larger than the device takes", url: fs.URL + "/web", fileType: cwmp.FileWebContent, maxSize: 8, want: cwmp.FaultDownloadFailure},
		{name: "not an image", url: fs.URL + "/corrupt", want: cwmp.FaultFileCorrupted},
		{name: "checksum mismatch", url: fs.URL + "/fw-bad-sum", want: cwmp.FaultFileAuthentication},
		{name: "stored image checksum mismatch", url: fs.URL + "/fw-bad-sum", fileType: cwmp.FileStoredFirmwareImage, want: cwmp.FaultFileAuthentication},
		{name: "other product class", url: fs.URL + "/fw-other-class", class: "HG100", want: cwmp.FaultFileCorrupted},
		{name: "redirect to ftp", url: fs.URL + "/redirect-ftp", want: cwmp.FaultFileAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newXferEnv(t)
			if tt.maxSize > 0 {
				e.x.cfg.maxSize = tt.maxSize
			}
			if tt.cancelMidBody {
				e.x.cfg.gotResponse = func(tr *transfer) { tr.cancel() }
			}
			if tt.class != "" {
				if err := e.h.tree().Set("Device.DeviceInfo.ProductClass", tt.class); err != nil {
					t.Fatal(err)
				}
			}
			req := download(tt.url)
			if tt.fileType != "" {
				req.FileType = tt.fileType
			}
			req.FileSize, req.Username, req.Password = tt.fileSize, tt.user, tt.password
			e.mustCall(req)
			e.endSession()
			tc := e.onlyComplete()
			if tc.FaultStruct.FaultCode != tt.want {
				t.Fatalf("FaultStruct %+v, want code %d", tc.FaultStruct, tt.want)
			}
			if tc.FaultStruct.FaultString == "" || len(tc.FaultStruct.FaultString) > 256 {
				t.Errorf("FaultString %q: want a cause of at most 256 bytes", tc.FaultStruct.FaultString)
			}
			if !tc.CompleteTime.IsZero() {
				t.Errorf("CompleteTime %v of a failed transfer, want the Unknown Time", tc.CompleteTime)
			}
			if strings.Contains(tc.FaultStruct.FaultString, fwPassword) {
				t.Errorf("FaultString %q reveals the password", tc.FaultStruct.FaultString)
			}
			events, _ := e.h.snapshot()
			if len(events) != 2 || events[1].EventCode != cwmp.EventMDownload || events[1].CommandKey != "ck-dl" {
				t.Errorf("events %+v, want 7 TRANSFER COMPLETE and M Download ck-dl", events)
			}
			if len(e.h.reboots) != 0 || e.h.wakes != 1 {
				t.Errorf("reboots %d, wakes %d: want no reboot and one wake", len(e.h.reboots), e.h.wakes)
			}
			if v := softwareVersion(t, e.h); v == "2.0.0" {
				t.Errorf("SoftwareVersion changed by a failed download")
			}
		})
	}
}

func TestDownloadAuthenticated(t *testing.T) {
	fs := newFileServer(t, false)
	for _, path := range []string{"/digest/fw", "/basic/fw", "/redirect"} {
		t.Run(path, func(t *testing.T) {
			e := newXferEnv(t)
			req := download(fs.URL + path)
			req.Username, req.Password = fwUser, fwPassword
			e.mustCall(req)
			e.endSession()
			if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != 0 {
				t.Fatalf("FaultStruct %+v, want success", tc.FaultStruct)
			}
			if v := softwareVersion(t, e.h); v != "2.0.0" {
				t.Fatalf("SoftwareVersion %q, want 2.0.0", v)
			}
		})
	}
}

func TestDownloadHTTPS(t *testing.T) {
	fs := newFileServer(t, true)
	t.Run("trusted", func(t *testing.T) {
		e := newXferEnv(t)
		pool := x509.NewCertPool()
		pool.AddCert(fs.Certificate())
		e.x.cfg.tls = &tls.Config{RootCAs: pool}
		e.mustCall(download(fs.URL + "/fw"))
		e.endSession()
		if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != 0 {
			t.Fatalf("FaultStruct %+v, want success", tc.FaultStruct)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		e := newXferEnv(t)
		e.mustCall(download(fs.URL + "/fw"))
		e.endSession()
		if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != cwmp.FaultTransferAuthentication {
			t.Fatalf("FaultStruct %+v, want 9012 for a certificate that does not verify", tc.FaultStruct)
		}
	})
}

func TestDownloadOtherFileTypes(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.mustCall(&cwmp.Download{CommandKey: "web", FileType: cwmp.FileWebContent, URL: fs.URL + "/web", TargetFileName: "index.html"})
	e.mustCall(&cwmp.Download{CommandKey: "stored", FileType: cwmp.FileStoredFirmwareImage, URL: fs.URL + "/fw"})
	e.endSession()
	tcs := e.completes()
	if len(tcs) != 2 || tcs[0].CommandKey != "web" || tcs[1].CommandKey != "stored" || tcs[0].FaultStruct.FaultCode != 0 || tcs[1].FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferCompletes %+v, want web then stored, both successful", tcs)
	}
	// Stored, not installed: no reboot, no new version.
	if len(e.h.reboots) != 0 || softwareVersion(t, e.h) == "2.0.0" {
		t.Fatalf("reboots %v, version %q: a stored image must not be installed", e.h.reboots, softwareVersion(t, e.h))
	}
	if len(e.x.stored) != 2 || e.x.stored[0].Size != int64(len("<html>web content</html>")) || e.x.stored[1].Version != "2.0.0" {
		t.Fatalf("stored files %+v", e.x.stored)
	}
}

func TestDownloadDelaySeconds(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	req := download(fs.URL + "/fw")
	req.DelaySeconds = 30
	e.mustCall(req)
	e.h.advance(10 * time.Second) // the session lasts 10 s
	e.endSession()
	if e.completes() != nil {
		t.Fatal("download started before DelaySeconds")
	}
	// DelaySeconds counts from the request (A.3.2.8): 20 s are left.
	if d := e.lastTimer(); d != 20*time.Second {
		t.Fatalf("timer armed for %v, want 20s", d)
	}
	e.tick(19 * time.Second)
	if e.completes() != nil {
		t.Fatal("download started 1 s early")
	}
	e.tick(time.Second)
	if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != 0 || !tc.StartTime.Equal(e.h.now()) {
		t.Fatalf("TransferComplete %+v, want success started at %v", tc, e.h.now())
	}
}

func TestDownloadRejected(t *testing.T) {
	e := newXferEnv(t)
	e.x.cfg.maxSize = 1000
	ok := func() *cwmp.Download {
		return &cwmp.Download{CommandKey: "k", FileType: cwmp.FileFirmwareImage, URL: "http://127.0.0.1/fw"}
	}
	tests := []struct {
		name string
		mod  func(*cwmp.Download)
		want cwmp.FaultCode
	}{
		{"ftp", func(d *cwmp.Download) { d.URL = "ftp://127.0.0.1/fw" }, cwmp.FaultUnsupportedProtocol},
		{"file", func(d *cwmp.Download) { d.URL = "file:///etc/passwd" }, cwmp.FaultUnsupportedProtocol},
		{"relative URL", func(d *cwmp.Download) { d.URL = "/fw" }, cwmp.FaultInvalidArguments},
		{"no host", func(d *cwmp.Download) { d.URL = "http:///fw" }, cwmp.FaultInvalidArguments},
		{"userinfo", func(d *cwmp.Download) { d.URL = "http://u:p@127.0.0.1/fw" }, cwmp.FaultInvalidArguments},
		{"long URL", func(d *cwmp.Download) { d.URL = "http://127.0.0.1/" + strings.Repeat("a", 256) }, cwmp.FaultInvalidArguments},
		{"long CommandKey", func(d *cwmp.Download) { d.CommandKey = strings.Repeat("k", 33) }, cwmp.FaultInvalidArguments},
		{"unknown FileType", func(d *cwmp.Download) { d.FileType = "9 Something" }, cwmp.FaultInvalidArguments},
		{"vendor FileType", func(d *cwmp.Download) { d.FileType = "X 00256D Bootloader" }, cwmp.FaultInvalidArguments},
		{"FileSize too large", func(d *cwmp.Download) { d.FileSize = 1001 }, cwmp.FaultResourcesExceeded},
		{"long SuccessURL", func(d *cwmp.Download) { d.SuccessURL = strings.Repeat("s", 257) }, cwmp.FaultInvalidArguments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok()
			tt.mod(d)
			e.wantFault(d, tt.want)
		})
	}
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("rejected downloads were queued: %+v", q)
	}
}

func TestTransferQueueLimit(t *testing.T) {
	e := newXferEnv(t)
	e.x.cfg.maxQueued = 3
	e.mustCall(download("http://127.0.0.1/1"))
	e.mustCall(&cwmp.Upload{CommandKey: "u", FileType: cwmp.UploadVendorLog, URL: "http://127.0.0.1/u"})
	e.mustCall(&cwmp.ScheduleDownload{CommandKey: "s", FileType: cwmp.FileWebContent, URL: "http://127.0.0.1/s",
		TimeWindowList: []cwmp.TimeWindowStruct{{WindowStart: 0, WindowEnd: 60, WindowMode: "1 At Any Time"}}})
	e.wantFault(download("http://127.0.0.1/4"), cwmp.FaultResourcesExceeded)
	e.wantFault(&cwmp.Upload{CommandKey: "u2", FileType: cwmp.UploadVendorLog, URL: "http://127.0.0.1/u"}, cwmp.FaultResourcesExceeded)
	if n := len(e.queued()); n != 3 {
		t.Fatalf("%d queued, want 3", n)
	}
}

func windows(ws ...cwmp.TimeWindowStruct) []cwmp.TimeWindowStruct { return ws }

func scheduleDownload(url string, ws []cwmp.TimeWindowStruct) *cwmp.ScheduleDownload {
	return &cwmp.ScheduleDownload{CommandKey: "ck-sd", FileType: cwmp.FileFirmwareImage, URL: url, TimeWindowList: ws}
}

func TestScheduleDownload(t *testing.T) {
	fs := newFileServer(t, false)
	for _, mode := range []string{"1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed"} {
		t.Run(mode, func(t *testing.T) {
			e := newXferEnv(t)
			e.mustCall(scheduleDownload(fs.URL+"/fw", windows(cwmp.TimeWindowStruct{WindowStart: 60, WindowEnd: 3600, WindowMode: mode, UserMessage: "Updating", MaxRetries: -1})))
			e.endSession()
			if e.completes() != nil || e.lastTimer() != 60*time.Second {
				t.Fatalf("started before the window; timer %v, want 60s", e.lastTimer())
			}
			e.tick(60 * time.Second)
			tc := e.onlyComplete()
			if tc.FaultStruct.FaultCode != 0 || tc.CommandKey != "ck-sd" {
				t.Fatalf("TransferComplete %+v, want success", tc)
			}
			events, _ := e.h.snapshot()
			want := []cwmp.EventStruct{{EventCode: cwmp.EventTransferComplete}, {EventCode: cwmp.EventMScheduleDownload, CommandKey: "ck-sd"}}
			if !slices.Equal(events, want) {
				t.Fatalf("events %+v, want %+v", events, want)
			}
			if softwareVersion(t, e.h) != "2.0.0" || len(e.h.reboots) != 1 {
				t.Fatal("the scheduled firmware was not installed")
			}
		})
	}
}

func TestScheduleDownloadInvalid(t *testing.T) {
	win := func(start, end uint32) cwmp.TimeWindowStruct {
		return cwmp.TimeWindowStruct{WindowStart: start, WindowEnd: end, WindowMode: "1 At Any Time"}
	}
	tests := []struct {
		name string
		ws   []cwmp.TimeWindowStruct
	}{
		{"no window", nil},
		{"three windows", windows(win(0, 10), win(20, 30), win(40, 50))},
		{"ends before it starts", windows(win(10, 5))},
		{"empty window", windows(win(10, 10))},
		{"overlapping", windows(win(0, 100), win(50, 200))},
		{"out of order", windows(win(100, 200), win(0, 50))},
		{"unknown mode", windows(cwmp.TimeWindowStruct{WindowEnd: 10, WindowMode: "5 Whenever"})},
		{"vendor mode", windows(cwmp.TimeWindowStruct{WindowEnd: 10, WindowMode: "X 00256D Night"})},
		{"MaxRetries below -1", windows(cwmp.TimeWindowStruct{WindowEnd: 10, WindowMode: "2 Immediately", MaxRetries: -2})},
	}
	e := newXferEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantFault(scheduleDownload("http://127.0.0.1/fw", tt.ws), cwmp.FaultInvalidArguments)
		})
	}
	// Adjacent windows are fine.
	e.mustCall(scheduleDownload("http://127.0.0.1/fw", windows(win(0, 100), win(100, 200))))
}

func TestScheduleDownloadExpired(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.mustCall(scheduleDownload(fs.URL+"/fw", windows(cwmp.TimeWindowStruct{WindowStart: 0, WindowEnd: 10, WindowMode: "1 At Any Time"})))
	e.h.advance(20 * time.Second) // a long session: the window passes
	e.endSession()
	tc := e.onlyComplete()
	if tc.FaultStruct.FaultCode != cwmp.FaultTimeWindowsExpired || !tc.StartTime.IsZero() {
		t.Fatalf("TransferComplete %+v, want 9020 and no StartTime", tc)
	}
	events, _ := e.h.snapshot()
	if len(events) != 2 || events[1].EventCode != cwmp.EventMScheduleDownload {
		t.Fatalf("events %+v", events)
	}
}

// atomicReportHost is a fakeHost that checks, when a TransferComplete is
// queued, that it is queued in the critical section that took its
// transfer out of the queue, with the firmware already installed. A Save
// reads the subsystem's state under the subsystem's lock and the agent's
// requests after, so only then can no state file hold neither the
// transfer nor its TransferComplete (completeLocked). The window is gone,
// not narrowed, so it cannot be hit by timing; this checks the invariant
// where it must hold instead.
type atomicReportHost struct {
	*fakeHost
	x       *transfers
	version string // the SoftwareVersion a successful firmware download installs
	checked atomic.Int32
}

func (h *atomicReportHost) queueRequest(req cwmp.ACSRequest, events ...cwmp.EventStruct) {
	if tc, ok := req.(*cwmp.TransferComplete); ok {
		h.checked.Add(1)
		// Nothing else runs in these tests: if the lock is held, the
		// caller holds it.
		if h.x.mu.TryLock() {
			h.x.mu.Unlock()
			h.t.Errorf("TransferComplete %q queued without the transfer subsystem's lock", tc.CommandKey)
		} else if slices.ContainsFunc(h.x.queue, func(tr *transfer) bool { return tr.CommandKey == tc.CommandKey }) {
			h.t.Errorf("TransferComplete %q queued while its transfer is still in the queue", tc.CommandKey)
		}
		if v, _, _ := h.tr.Get("Device.DeviceInfo.SoftwareVersion"); tc.FaultStruct.FaultCode == 0 && v != h.version {
			h.t.Errorf("TransferComplete %q queued with SoftwareVersion %q, want the installed %q", tc.CommandKey, v, h.version)
		}
	}
	h.fakeHost.queueRequest(req, events...)
}

func TestTransferCompleteQueuedAtomically(t *testing.T) {
	fs := newFileServer(t, false)
	h := &atomicReportHost{fakeHost: newFakeHost(t), version: "2.0.0"}
	x := newTransfers(h)
	h.x = x
	x.cfg.afterFunc = func(time.Duration, func()) func() bool { return func() bool { return true } }
	t.Cleanup(x.close)
	mux := cwmp.NewServeMux(cwmp.RoleCPE)
	x.register(mux)
	call := func(req cwmp.Message) {
		t.Helper()
		if resp, err := mux.ServeCWMP(context.Background(), req); err != nil {
			t.Fatal(err)
		} else if f, ok := resp.(*cwmp.Fault); ok {
			t.Fatal(f)
		}
	}
	// finish: a firmware image, installed; a failed download.
	call(download(fs.URL + "/fw"))
	call(&cwmp.Download{CommandKey: "missing", FileType: cwmp.FileWebContent, URL: fs.URL + "/missing"})
	// poll: a ScheduleDownload whose window passed.
	call(scheduleDownload(fs.URL+"/fw", windows(cwmp.TimeWindowStruct{WindowStart: 0, WindowEnd: 10, WindowMode: "1 At Any Time"})))
	h.advance(20 * time.Second)
	h.runAfterSession()
	x.wg.Wait()
	if n := h.checked.Load(); n != 3 {
		t.Fatalf("%d TransferCompletes queued, want 3", n)
	}
	if len(h.reboots) != 1 {
		t.Fatalf("reboots %v, want the firmware's one", h.reboots)
	}
}

func TestScheduleDownloadRetries(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.mustCall(scheduleDownload(fs.URL+"/missing", windows(cwmp.TimeWindowStruct{WindowEnd: 3600, WindowMode: "1 At Any Time", MaxRetries: 1})))
	e.endSession()
	if e.completes() != nil {
		t.Fatal("reported after the first attempt; MaxRetries 1 allows another")
	}
	if q := e.queued(); len(q) != 1 || q[0].State != cwmp.TransferNotStarted {
		t.Fatalf("queue %+v, want the transfer waiting for its retry", q)
	}
	if d := e.lastTimer(); d != defaultRetryDelay {
		t.Fatalf("retry timer %v, want %v", d, defaultRetryDelay)
	}
	e.tick(defaultRetryDelay)
	tc := e.onlyComplete()
	if tc.FaultStruct.FaultCode != cwmp.FaultTimeWindowsExpired || !strings.Contains(tc.FaultStruct.FaultString, "9016") {
		t.Fatalf("FaultStruct %+v, want 9020 naming the last attempt's 9016", tc.FaultStruct)
	}
}

func TestScheduleDownloadSecondWindow(t *testing.T) {
	fs := newFileServer(t, false)
	fs.flaky.Store(true)
	e := newXferEnv(t)
	e.mustCall(scheduleDownload(fs.URL+"/flaky", windows(
		cwmp.TimeWindowStruct{WindowStart: 0, WindowEnd: 600, WindowMode: "2 Immediately", MaxRetries: 0},
		cwmp.TimeWindowStruct{WindowStart: 3600, WindowEnd: 7200, WindowMode: "1 At Any Time", MaxRetries: 0},
	)))
	e.endSession()
	if e.completes() != nil {
		t.Fatal("reported after the first window; a second one is left")
	}
	if d := e.lastTimer(); d != 3600*time.Second {
		t.Fatalf("timer %v, want the second window at 3600s", d)
	}
	fs.flaky.Store(false)
	e.tick(3600 * time.Second)
	if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("FaultStruct %+v, want success in the second window", tc.FaultStruct)
	}
}

func TestScheduleDownloadUnusableFileNotRetried(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.mustCall(scheduleDownload(fs.URL+"/fw-bad-sum", windows(cwmp.TimeWindowStruct{WindowEnd: 3600, WindowMode: "1 At Any Time", MaxRetries: 5})))
	e.endSession()
	if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != cwmp.FaultFileAuthentication {
		t.Fatalf("FaultStruct %+v, want 9019 at once", tc.FaultStruct)
	}
}

func TestUploadConfig(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	if err := e.h.tree().Set("Device.DeviceInfo.ProductClass", "HG100"); err != nil {
		t.Fatal(err)
	}
	resp := e.mustCall(&cwmp.Upload{CommandKey: "ck-up", FileType: cwmp.UploadVendorConfiguration, URL: fs.URL + "/upload/config.json"}).(*cwmp.UploadResponse)
	if resp.Status != 1 {
		t.Fatalf("UploadResponse %+v, want Status 1", resp)
	}
	e.endSession()
	tc := e.onlyComplete()
	if tc.FaultStruct.FaultCode != 0 || tc.CommandKey != "ck-up" || tc.StartTime.IsZero() || tc.CompleteTime.IsZero() {
		t.Fatalf("TransferComplete %+v, want success with times", tc)
	}
	events, _ := e.h.snapshot()
	want := []cwmp.EventStruct{{EventCode: cwmp.EventTransferComplete}, {EventCode: cwmp.EventMUpload, CommandKey: "ck-up"}}
	if !slices.Equal(events, want) {
		t.Fatalf("events %+v, want %+v", events, want)
	}
	ups := fs.gotUploads()
	if len(ups) != 1 || ups[0].method != http.MethodPut || ups[0].path != "/upload/config.json" || ups[0].contentType != "application/json" {
		t.Fatalf("uploads %+v, want one PUT of JSON", ups)
	}
	m, err := datamodel.Builtin("Device:2.17")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := datamodel.LoadTree(m, bytes.NewReader(ups[0].body))
	if err != nil {
		t.Fatalf("uploaded configuration does not load: %v", err)
	}
	if v, _, _ := tr.Get("Device.DeviceInfo.ProductClass"); v != "HG100" {
		t.Fatalf("uploaded configuration has ProductClass %q, want HG100", v)
	}
}

func TestUploadLog(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	logger := slog.New(e.x.logHandler(slog.NewTextHandler(io.Discard, nil)))
	logger.With("serial", "S1").Info("session ended", "events", []string{"1 BOOT"})
	logger.Debug("not for the vendor log")
	e.mustCall(&cwmp.Upload{CommandKey: "log", FileType: cwmp.UploadVendorLog, URL: fs.URL + "/post-only/log.txt"})
	e.endSession()
	if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("FaultStruct %+v", tc.FaultStruct)
	}
	ups := fs.gotUploads()
	if len(ups) != 1 || ups[0].method != http.MethodPost || !strings.HasPrefix(ups[0].contentType, "text/plain") {
		t.Fatalf("uploads %+v, want one POST (after the 405 to PUT) of text", ups)
	}
	log := string(ups[0].body)
	if !strings.HasPrefix(log, "# vendor log of ") || !strings.Contains(log, `INFO session ended serial=S1 events="[1 BOOT]"`) ||
		strings.Contains(log, "not for the vendor log") {
		t.Fatalf("uploaded log:\n%s", log)
	}

	// Without the agent's logger going through logHandler, the log still
	// tells of the transfers.
	e = newXferEnv(t)
	e.mustCall(&cwmp.Upload{CommandKey: "log2", FileType: cwmp.UploadVendorLog, URL: fs.URL + "/upload/log2.txt"})
	e.endSession()
	ups = fs.gotUploads()
	if log := string(ups[len(ups)-1].body); !strings.Contains(log, "INFO transfer queued method=Upload commandKey=log2") {
		t.Fatalf("uploaded log:\n%s", log)
	}
}

func TestUploadDigest(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.mustCall(&cwmp.Upload{CommandKey: "u", FileType: cwmp.UploadVendorConfiguration, URL: fs.URL + "/digest/upload/c", Username: fwUser, Password: fwPassword})
	e.endSession()
	if tc := e.onlyComplete(); tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("FaultStruct %+v", tc.FaultStruct)
	}
	if ups := fs.gotUploads(); len(ups) != 1 || len(ups[0].body) == 0 {
		t.Fatalf("uploads %+v, want the body sent again after the challenge", ups)
	}
}

func TestUploadFailures(t *testing.T) {
	fs := newFileServer(t, false)
	tests := []struct {
		name, url, user, password string
		want                      cwmp.FaultCode
	}{
		{"server error", fs.URL + "/error", "", "", cwmp.FaultUploadFailure},
		{"forbidden without credentials", fs.URL + "/forbidden", "", "", cwmp.FaultUploadFailure},
		{"digest wrong password", fs.URL + "/digest/upload/c", fwUser, "wrong", cwmp.FaultTransferAuthentication},
		{"connection refused", closedPort(t) + "/c", "", "", cwmp.FaultFileServerUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newXferEnv(t)
			e.mustCall(&cwmp.Upload{CommandKey: "u", FileType: cwmp.UploadVendorLog, URL: tt.url, Username: tt.user, Password: tt.password})
			e.endSession()
			tc := e.onlyComplete()
			if tc.FaultStruct.FaultCode != tt.want {
				t.Fatalf("FaultStruct %+v, want %d", tc.FaultStruct, tt.want)
			}
			events, _ := e.h.snapshot()
			if len(events) != 2 || events[1].EventCode != cwmp.EventMUpload {
				t.Fatalf("events %+v", events)
			}
		})
	}
}

func TestUploadFileTypes(t *testing.T) {
	e := newXferEnv(t)
	up := func(ft string) *cwmp.Upload {
		return &cwmp.Upload{CommandKey: "u", FileType: ft, URL: "http://127.0.0.1/u"}
	}
	for _, ft := range []string{"3 Vendor Configuration File 1", "4 Vendor Log File 1", "3 Vendor Configuration File 01",
		"3 Vendor Configuration File x", "5 Something", "X 00256D Dump", "1 Firmware Upgrade Image"} {
		e.wantFault(up(ft), cwmp.FaultInvalidArguments)
	}
	u := up(cwmp.UploadVendorLog)
	u.URL = "tftp://127.0.0.1/log"
	e.wantFault(u, cwmp.FaultUnsupportedProtocol)
	for _, table := range []string{"Device.DeviceInfo.VendorConfigFile.", "Device.DeviceInfo.VendorLogFile."} {
		if _, err := e.h.tree().AddInstance(table); err != nil {
			t.Fatal(err)
		}
	}
	e.mustCall(up("3 Vendor Configuration File 1"))
	e.mustCall(up("4 Vendor Log File 1"))
	e.wantFault(up("4 Vendor Log File 2"), cwmp.FaultInvalidArguments)
}

func TestCancelTransfer(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.wantFault(&cwmp.CancelTransfer{CommandKey: "nothing"}, cwmp.FaultInvalidArguments)

	// Not started: cancelled, and never reported.
	req := download(fs.URL + "/fw")
	req.CommandKey = "cancel-me"
	e.mustCall(req)
	e.mustCall(&cwmp.CancelTransfer{CommandKey: "cancel-me"})
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("queue %+v after CancelTransfer", q)
	}
	e.endSession()
	if tcs := e.completes(); tcs != nil {
		t.Fatalf("a cancelled transfer was reported: %+v", tcs)
	}
	e.wantFault(&cwmp.CancelTransfer{CommandKey: "cancel-me"}, cwmp.FaultInvalidArguments)

	// In progress: 9021, and it goes on.
	req = download(fs.URL + "/block")
	req.CommandKey = "running"
	e.mustCall(req)
	e.h.runAfterSession()
	e.wantFault(&cwmp.CancelTransfer{CommandKey: "running"}, cwmp.FaultCancelNotPermitted)
	close(fs.gate)
	e.x.wg.Wait()
	if tc := e.onlyComplete(); tc.CommandKey != "running" || tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferComplete %+v, want the running download to succeed", tc)
	}
}

func TestGetQueuedTransfers(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	first := download(fs.URL + "/block")
	first.CommandKey, first.FileSize, first.TargetFileName = "first", uint32(len(fs.image)), "fw.bin"
	e.mustCall(first)
	later := &cwmp.Download{CommandKey: "later", FileType: cwmp.FileWebContent, URL: fs.URL + "/web", DelaySeconds: 600}
	e.mustCall(later)
	e.mustCall(&cwmp.Upload{CommandKey: "up", FileType: cwmp.UploadVendorConfiguration, URL: fs.URL + "/upload/c", DelaySeconds: 600})
	e.h.runAfterSession()

	got := e.mustCall(&cwmp.GetQueuedTransfers{}).(*cwmp.GetQueuedTransfersResponse).TransferList
	want := []cwmp.QueuedTransferStruct{{CommandKey: "first", State: cwmp.TransferInProgress}, {CommandKey: "later", State: cwmp.TransferNotStarted}, {CommandKey: "up", State: cwmp.TransferNotStarted}}
	if !slices.Equal(got, want) {
		t.Fatalf("GetQueuedTransfers %+v, want %+v", got, want)
	}
	all := e.queued()
	wantAll := []cwmp.AllQueuedTransferStruct{
		{CommandKey: "first", State: cwmp.TransferInProgress, IsDownload: true, FileType: cwmp.FileFirmwareImage, FileSize: uint32(len(fs.image)), TargetFileName: "fw.bin"},
		{CommandKey: "later", State: cwmp.TransferNotStarted, IsDownload: true, FileType: cwmp.FileWebContent},
		{CommandKey: "up", State: cwmp.TransferNotStarted, IsDownload: false, FileType: cwmp.UploadVendorConfiguration},
	}
	if !slices.Equal(all, wantAll) {
		t.Fatalf("GetAllQueuedTransfers %+v, want %+v", all, wantAll)
	}
	close(fs.gate)
	e.x.wg.Wait()
	got = e.mustCall(&cwmp.GetQueuedTransfers{}).(*cwmp.GetQueuedTransfersResponse).TransferList
	if len(got) != 2 || got[0].CommandKey != "later" {
		t.Fatalf("GetQueuedTransfers %+v after the first completed", got)
	}
	e.tick(600 * time.Second)
	if got := e.queued(); len(got) != 0 || len(e.completes()) != 3 {
		t.Fatalf("queue %+v, %d completes; want all done", got, len(e.completes()))
	}
}

func TestTransferStateRoundTrip(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.mustCall(download(fs.URL + "/block"))
	sd := scheduleDownload(fs.URL+"/web", windows(cwmp.TimeWindowStruct{WindowStart: 100, WindowEnd: 200, WindowMode: "1 At Any Time", MaxRetries: 2}))
	sd.FileType = cwmp.FileWebContent
	e.mustCall(sd)
	e.h.runAfterSession()
	before := e.queued()
	if before[0].State != cwmp.TransferInProgress {
		t.Fatalf("queue %+v, want the first in progress", before)
	}
	// The agent shuts down mid-transfer: no TransferComplete, and the
	// transfer is saved as in progress.
	e.x.close()
	if e.completes() != nil {
		t.Fatal("close reported a transfer")
	}
	data, err := e.x.saveState()
	if err != nil {
		t.Fatal(err)
	}

	// The next run: the same clock, a fresh subsystem.
	e2 := newXferEnv(t)
	e2.h.clock.set(e.h.now())
	if err := e2.x.restoreState(data); err != nil {
		t.Fatal(err)
	}
	after := e2.queued()
	before[0].State = cwmp.TransferNotStarted // interrupted: to be retried
	if !slices.Equal(after, before) {
		t.Fatalf("restored %+v, want %+v", after, before)
	}
	if e2.x.queue[0].Interrupted != 1 || e2.x.queue[1].Windows[0].Start != e.x.queue[1].Windows[0].Start {
		t.Fatalf("restored %+v", e2.x.queue)
	}
	// Nothing runs until the first session after the restart ends.
	e2.x.wg.Wait()
	if e2.completes() != nil {
		t.Fatal("a restored transfer ran during restore")
	}
	e2.x.register(cwmp.NewServeMux(cwmp.RoleCPE)) // the first session starts
	close(fs.gate)
	e2.endSession()
	if tc := e2.onlyComplete(); tc.CommandKey != "ck-dl" || tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferComplete %+v, want the interrupted download retried", tc)
	}
	e2.tick(100 * time.Second)
	if tcs := e2.completes(); len(tcs) != 2 || tcs[1].CommandKey != "ck-sd" || tcs[1].FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferCompletes %+v, want the scheduled download in its window", tcs)
	}

	// A later saved state without transfers restores to an empty queue.
	data, err = e2.x.saveState()
	if err != nil {
		t.Fatal(err)
	}
	e3 := newXferEnv(t)
	if err := e3.x.restoreState(data); err != nil || len(e3.queued()) != 0 || len(e3.x.stored) != 2 {
		t.Fatalf("restore: %v, queue %+v, stored %+v", err, e3.queued(), e3.x.stored)
	}
	if err := e3.x.restoreState(nil); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{`, `{"transfers":[null]}`, `{"transfers":[{"method":"Reboot"}]}`, `{"transfers":[{"method":"ScheduleDownload"}]}`} {
		if err := newTransfers(e3.h).restoreState(json.RawMessage(bad)); err == nil {
			t.Errorf("restoreState(%s) succeeded", bad)
		}
	}
}

func TestTransferRestoreInterruptedTooOften(t *testing.T) {
	e := newXferEnv(t)
	tr := &transfer{Method: methodDownload, CommandKey: "crashy", FileType: cwmp.FileFirmwareImage, URL: "http://127.0.0.1/fw",
		State: cwmp.TransferInProgress, Interrupted: maxInterrupts}
	data, err := json.Marshal(transferState{Transfers: []*transfer{tr}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.x.restoreState(data); err != nil {
		t.Fatal(err)
	}
	e.x.register(cwmp.NewServeMux(cwmp.RoleCPE))
	e.endSession()
	tc := e.onlyComplete()
	if tc.CommandKey != "crashy" || tc.FaultStruct.FaultCode != cwmp.FaultDownloadIncomplete {
		t.Fatalf("TransferComplete %+v, want 9017 after %d interruptions", tc, maxInterrupts+1)
	}
}

func TestTransferFactoryReset(t *testing.T) {
	fs := newFileServer(t, false)
	e := newXferEnv(t)
	e.mustCall(download(fs.URL + "/block"))
	e.mustCall(download(fs.URL + "/fw"))
	e.h.runAfterSession()
	e.x.factoryReset()
	e.x.wg.Wait() // the running download is stopped
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("queue %+v after factory reset", q)
	}
	if e.completes() != nil {
		t.Fatal("a transfer forgotten by the factory reset was reported")
	}
	data, err := e.x.saveState()
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "{}" {
		t.Fatalf("state after factory reset: %s", data)
	}
}

func TestAutonomousTransferComplete(t *testing.T) {
	e := newXferEnv(t)
	start := e.h.now()
	atc := cwmp.AutonomousTransferComplete{
		TransferURL: "http://files.example/fw.bin", IsDownload: true, FileType: cwmp.FileFirmwareImage, FileSize: 42,
		StartTime: start, CompleteTime: start.Add(time.Minute),
	}
	if err := e.x.autonomous(atc); err != nil {
		t.Fatal(err)
	}
	events, reqs := e.h.snapshot()
	if len(reqs) != 1 || *reqs[0].(*cwmp.AutonomousTransferComplete) != atc {
		t.Fatalf("requests %+v, want the AutonomousTransferComplete", reqs)
	}
	if !slices.Equal(events, []cwmp.EventStruct{{EventCode: cwmp.EventAutonomousTransferComplete}}) || e.h.wakes != 1 {
		t.Fatalf("events %+v, wakes %d", events, e.h.wakes)
	}
	for _, bad := range []cwmp.AutonomousTransferComplete{
		{FileType: cwmp.FileFirmwareImage},
		{TransferURL: "http://x/", FileType: "Firmware"},
		{TransferURL: "http://x/", FileType: "X 00256D"},
		{TransferURL: "http://x/", FileType: cwmp.FileWebContent, FaultStruct: cwmp.FaultStruct{FaultCode: cwmp.FaultUnsupportedProtocol}},
	} {
		if err := e.x.autonomous(bad); err == nil {
			t.Errorf("autonomous(%+v) succeeded", bad)
		}
	}
	// The vendor's own file types are allowed.
	if err := e.x.autonomous(cwmp.AutonomousTransferComplete{TransferURL: "http://x/", FileType: "X 00256D Bootloader"}); err != nil {
		t.Fatal(err)
	}
}

func TestUploadVendorLogBounded(t *testing.T) {
	var l vendorLog
	for i := range vendorLogLines + 10 {
		l.add(strings.Repeat("x", i%3) + string(rune('a'+i%26)) + strings.Repeat("y", 300*(i%2)))
	}
	lines := strings.Split(strings.TrimSuffix(string(l.bytes()), "\n"), "\n")
	if len(lines) != vendorLogLines {
		t.Fatalf("%d lines, want %d", len(lines), vendorLogLines)
	}
	for _, line := range lines {
		if len(line) > vendorLogLineMax {
			t.Fatalf("line of %d bytes", len(line))
		}
	}
	// The oldest ten were dropped: the first line is the 11th added.
	if !strings.HasPrefix(lines[0], strings.Repeat("x", 10%3)+"k") {
		t.Fatalf("first line %q", lines[0][:5])
	}
	l.reset()
	if len(l.bytes()) != 0 {
		t.Fatal("reset kept lines")
	}
}
