package cpe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Transfers: the CPE methods Download (TR-069 Amendment 6 A.3.2.8), Upload
// (A.4.1.5), ScheduleDownload (A.4.1.8), CancelTransfer (A.4.1.9),
// GetQueuedTransfers (A.4.1.1) and GetAllQueuedTransfers (A.4.1.7), and the
// TransferComplete (A.3.3.2) and AutonomousTransferComplete (A.3.3.3)
// requests that report transfers to the ACS.
//
// Life of a transfer. The request is checked and queued, and answered at
// once (Download and Upload with Status 1: the outcome comes later in a
// TransferComplete). Nothing starts before the session that asked for it
// ends (host.afterSession), because a firmware download ends in a reboot
// and TR-069 wants the session's other requests answered first. It then
// waits for its DelaySeconds, counted from the request as A.3.2.8 says, or
// for its time window, and for a free slot (transferConfig.maxActive), then
// runs in a goroutine of its own. At the end it leaves the queue and its
// outcome is queued as a TransferComplete with the events 7 TRANSFER
// COMPLETE and M Download, M ScheduleDownload or M Upload (CommandKey on
// the M event, A.3.3.2 and the event table of 3.7.1.5), and the agent is
// woken for a session; a firmware image is installed instead and reported
// by the first session after the reboot that installs it.
//
// Goroutines: one per running transfer and none when idle; a timer
// (time.AfterFunc, which holds no goroutine while it waits) wakes the
// queue for the next delay or window. Lock order: transfers.mu is never
// held while calling the host, because host.afterSession may run its
// function at once, but for its now, log and tree methods and the
// queueRequest that reports a transfer in the same critical section that
// takes it out of the queue (completeLocked).

// Transfer methods, also the suffix of their "M" event codes.
const (
	methodDownload         = "Download"
	methodScheduleDownload = "ScheduleDownload"
	methodUpload           = "Upload"
)

// Default bounds of the transfer subsystem; see transferConfig.
const (
	// defaultMaxQueued is the XSD's bound on the TransferList of
	// GetQueuedTransfersResponse (maxOccurs 16), so that every queued
	// transfer can be listed; TR-069 asks for at least 3.
	defaultMaxQueued = 16
	// defaultMaxActive runs one transfer at a time, as a device with one
	// flash writer does, so TransferCompletes come in request order when
	// no delays differ.
	defaultMaxActive = 1
	// defaultMaxSize bounds a download. Downloads are streamed through a
	// hash and never held in memory, so this is about time and traffic.
	defaultMaxSize = 256 << 20
	// defaultTimeout bounds one attempt, from connecting to the last byte.
	defaultTimeout = 30 * time.Minute
	// defaultRetryDelay spaces ScheduleDownload's retries within a window.
	defaultRetryDelay = time.Minute
	// defaultRetries is how often a ScheduleDownload window with
	// MaxRetries -1 ("the CPE determines", A.4.1.8) is retried.
	defaultRetries = 3
	// maxInterrupts is how many agent restarts a transfer in progress
	// survives: each restart retries it from the start, and the one after
	// the last fails it (9017 or 9011), so that a transfer that crashes
	// the agent cannot loop for ever.
	maxInterrupts = 2
	// maxStoredFiles bounds the record of downloaded files.
	maxStoredFiles = 16
	// maxFaultString is the FaultString length of the XSD's
	// TransferCompleteFaultStruct.
	maxFaultString = 256
)

// transferConfig holds the subsystem's bounds and hooks. The Agent may
// change it right after newTransfers, before the first session, not later.
type transferConfig struct {
	maxQueued  int           // queued transfers (not started or in progress); more is fault 9004
	maxActive  int           // transfers running at once
	maxSize    int64         // largest download in bytes; a larger FileSize is fault 9004
	timeout    time.Duration // one attempt
	retryDelay time.Duration // between ScheduleDownload attempts in a window
	// tls configures HTTPS to file servers (custom CAs); nil means the
	// system's roots. Certificates are always verified.
	tls *tls.Config
	// afterFunc arms the queue's timer: it calls f after d and returns a
	// function that stops the timer. Tests replace it to drive the queue
	// with the host's clock.
	afterFunc func(d time.Duration, f func()) (stop func() bool)
	// gotResponse, when set, is called by a download once the file
	// server's response headers are in, with the attempt's copy of the
	// transfer (whose cancel ends the attempt). Tests use it to end an
	// attempt in the middle of the body without racing a deadline.
	gotResponse func(tr *transfer)
}

func defaultTransferConfig() transferConfig {
	return transferConfig{
		maxQueued:  defaultMaxQueued,
		maxActive:  defaultMaxActive,
		maxSize:    defaultMaxSize,
		timeout:    defaultTimeout,
		retryDelay: defaultRetryDelay,
		afterFunc:  func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
	}
}

// transfer is one transfer the ACS asked for, from its request until its
// TransferComplete is queued. The exported fields are its persistent
// state.
type transfer struct {
	Method         string    `json:"method"` // methodDownload, methodScheduleDownload or methodUpload
	CommandKey     string    `json:"commandKey"`
	FileType       string    `json:"fileType"`
	URL            string    `json:"url"`
	Username       string    `json:"username,omitempty"`
	Password       string    `json:"password,omitempty"`
	FileSize       uint32    `json:"fileSize,omitempty"`
	TargetFileName string    `json:"targetFileName,omitempty"`
	Requested      time.Time `json:"requested"`
	// NotBefore is when the next attempt may start: the request plus
	// DelaySeconds, or after a failed ScheduleDownload attempt the retry.
	NotBefore time.Time `json:"notBefore"`
	// Windows, Window and Attempts: ScheduleDownload's windows, the index
	// of the current one, and the attempts made in it.
	Windows  []transferWindow `json:"windows,omitempty"`
	Window   int              `json:"window,omitempty"`
	Attempts int              `json:"attempts,omitempty"`
	// LastFault is the last failed attempt of a ScheduleDownload, told in
	// the 9020 that ends it.
	LastFault string `json:"lastFault,omitempty"`
	State     int    `json:"state"` // cwmp.TransferNotStarted or cwmp.TransferInProgress
	// Interrupted counts the agent restarts while in progress.
	Interrupted int `json:"interrupted,omitempty"`

	released bool               // the session that asked for it has ended
	cancel   context.CancelFunc // stops the running attempt
}

// transferWindow is a ScheduleDownload time window, in absolute times.
type transferWindow struct {
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Mode       string    `json:"mode"`
	MaxRetries int32     `json:"maxRetries"`
}

// storedFile records a downloaded file that is not installed: a simulated
// device has nowhere to put Web Content, Vendor Configuration, Tone and
// Ringer files, or a stored firmware image, so it keeps what it would need
// to report them (and the ACS's tests need to check them).
type storedFile struct {
	FileType       string    `json:"fileType"`
	TargetFileName string    `json:"targetFileName,omitempty"`
	URL            string    `json:"url"`
	Size           int64     `json:"size"`
	SHA256         string    `json:"sha256"`
	Version        string    `json:"version,omitempty"` // firmware images
	Time           time.Time `json:"time"`
}

// transfers is the transfer subsystem of an Agent.
type transfers struct {
	h    host
	cfg  transferConfig
	vlog vendorLog
	teed atomic.Bool // the agent's log goes into vlog (logHandler)

	wg sync.WaitGroup // running transfers

	mu      sync.Mutex
	queue   []*transfer // in request order
	stored  []storedFile
	active  int         // running transfers
	stop    func() bool // stops the queue's timer; nil when none is armed
	timerAt time.Time   // when the timer fires
	closed  bool
	// restored is set by restoreState until register resumes the
	// restored queue.
	restored bool
}

func init() {
	subsystemFactories = append(subsystemFactories, func(h host) subsystem { return newTransfers(h) })
}

func newTransfers(h host) *transfers {
	return &transfers{h: h, cfg: defaultTransferConfig()}
}

var _ subsystem = (*transfers)(nil)

// register adds the transfer methods. It also resumes the transfers
// restoreState loaded, once the first session after the restart ends:
// register is called at the start of every session, and this is the first
// moment the agent runs (New only loads, and a simulated agent has no
// Run), and resuming after the boot session is what a device does after a
// reboot.
func (t *transfers) register(mux *cwmp.ServeMux) {
	t.mu.Lock()
	resume := t.restored
	t.restored = false
	t.mu.Unlock()
	if resume {
		t.h.afterSession(t.poll)
	}
	mux.HandleFunc("Download", t.handleDownload)
	mux.HandleFunc("ScheduleDownload", t.handleScheduleDownload)
	mux.HandleFunc("Upload", t.handleUpload)
	mux.HandleFunc("CancelTransfer", t.handleCancelTransfer)
	mux.HandleFunc("GetQueuedTransfers", t.handleGetQueuedTransfers)
	mux.HandleFunc("GetAllQueuedTransfers", t.handleGetAllQueuedTransfers)
}

// handleDownload queues a Download (A.3.2.8) and answers Status 1: the
// outcome comes in a TransferComplete. Status 0 would need the download
// done inside the session, which a firmware image's reboot forbids.
func (t *transfers) handleDownload(_ context.Context, m cwmp.Message) (cwmp.Message, error) {
	req, ok := m.(*cwmp.Download)
	if !ok {
		return nil, fmt.Errorf("Download handler got %s", m.MethodName())
	}
	if f := t.checkDownload(req.CommandKey, req.FileType, req.URL, req.Username, req.Password, req.TargetFileName, req.FileSize); f != nil {
		return nil, f
	}
	// SuccessURL and FailureURL are where a browser that started the
	// download is sent afterwards (A.3.2.8); a device without a user
	// interface has nothing to send there, so they are only checked.
	if len(req.SuccessURL) > 256 || len(req.FailureURL) > 256 {
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "SuccessURL and FailureURL are at most 256 characters")
	}
	now := t.h.now()
	tr := &transfer{
		Method: methodDownload, CommandKey: req.CommandKey, FileType: req.FileType, URL: req.URL,
		Username: req.Username, Password: req.Password, FileSize: req.FileSize, TargetFileName: req.TargetFileName,
		Requested: now,
		// A.3.2.8: DelaySeconds counts "from the time this method is
		// called"; the end of the session may come later.
		NotBefore: now.Add(time.Duration(req.DelaySeconds) * time.Second),
	}
	if err := t.enqueue(tr); err != nil {
		return nil, err
	}
	return &cwmp.DownloadResponse{Status: 1}, nil
}

// handleScheduleDownload queues a download within time windows (A.4.1.8).
func (t *transfers) handleScheduleDownload(_ context.Context, m cwmp.Message) (cwmp.Message, error) {
	req, ok := m.(*cwmp.ScheduleDownload)
	if !ok {
		return nil, fmt.Errorf("ScheduleDownload handler got %s", m.MethodName())
	}
	if f := t.checkDownload(req.CommandKey, req.FileType, req.URL, req.Username, req.Password, req.TargetFileName, req.FileSize); f != nil {
		return nil, f
	}
	if f := checkWindows(req.TimeWindowList); f != nil {
		return nil, f
	}
	now := t.h.now()
	tr := &transfer{
		Method: methodScheduleDownload, CommandKey: req.CommandKey, FileType: req.FileType, URL: req.URL,
		Username: req.Username, Password: req.Password, FileSize: req.FileSize, TargetFileName: req.TargetFileName,
		Requested: now, NotBefore: now,
	}
	for _, w := range req.TimeWindowList {
		// A.4.1.8: WindowStart and WindowEnd are seconds from the time
		// the method is called. Every mode starts the download at the
		// window's start: a simulated device is always idle ("3 When
		// Idle") and its user always agrees ("4 Confirmation Needed"),
		// so UserMessage is never shown.
		tr.Windows = append(tr.Windows, transferWindow{
			Start:      now.Add(time.Duration(w.WindowStart) * time.Second),
			End:        now.Add(time.Duration(w.WindowEnd) * time.Second),
			Mode:       w.WindowMode,
			MaxRetries: w.MaxRetries,
		})
	}
	if err := t.enqueue(tr); err != nil {
		return nil, err
	}
	return &cwmp.ScheduleDownloadResponse{}, nil
}

// handleUpload queues an Upload (A.4.1.5) and answers Status 1.
func (t *transfers) handleUpload(_ context.Context, m cwmp.Message) (cwmp.Message, error) {
	req, ok := m.(*cwmp.Upload)
	if !ok {
		return nil, fmt.Errorf("Upload handler got %s", m.MethodName())
	}
	if f := checkCommon(req.CommandKey, req.URL, req.Username, req.Password, ""); f != nil {
		return nil, f
	}
	if f := t.checkUploadType(req.FileType); f != nil {
		return nil, f
	}
	now := t.h.now()
	tr := &transfer{
		Method: methodUpload, CommandKey: req.CommandKey, FileType: req.FileType, URL: req.URL,
		Username: req.Username, Password: req.Password,
		Requested: now, NotBefore: now.Add(time.Duration(req.DelaySeconds) * time.Second),
	}
	if err := t.enqueue(tr); err != nil {
		return nil, err
	}
	return &cwmp.UploadResponse{Status: 1}, nil
}

// handleCancelTransfer cancels the transfers with the CommandKey that have
// not started (A.4.1.9). None is cancelled and the answer is 9021 when one
// of them is in progress: a transfer is cancelled whole or not at all, and
// a running one is not stopped, because a half-written image is the one
// outcome a device must avoid. An unknown CommandKey is 9003 (invalid
// arguments): there is no transfer whose state forbids cancelling, which
// is what 9021 says. A cancelled transfer gets no TransferComplete; the
// ACS knows its outcome.
func (t *transfers) handleCancelTransfer(_ context.Context, m cwmp.Message) (cwmp.Message, error) {
	req, ok := m.(*cwmp.CancelTransfer)
	if !ok {
		return nil, fmt.Errorf("CancelTransfer handler got %s", m.MethodName())
	}
	t.mu.Lock()
	found := false
	for _, tr := range t.queue {
		if tr.CommandKey != req.CommandKey {
			continue
		}
		found = true
		if tr.State != cwmp.TransferNotStarted {
			t.mu.Unlock()
			return nil, cwmp.NewFault(cwmp.FaultCancelNotPermitted, "the %s with CommandKey %q is in progress", tr.Method, req.CommandKey)
		}
	}
	if !found {
		t.mu.Unlock()
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "no queued transfer has CommandKey %q", req.CommandKey)
	}
	t.queue = slices.DeleteFunc(t.queue, func(tr *transfer) bool { return tr.CommandKey == req.CommandKey })
	t.rearmLocked(t.h.now())
	t.mu.Unlock()
	t.info("transfer cancelled", "commandKey", req.CommandKey)
	t.h.changed()
	return &cwmp.CancelTransferResponse{}, nil
}

// handleGetQueuedTransfers lists the queued transfers (A.4.1.1): not
// started (1) or in progress (2). State 3 ("completed, finishing
// cleanup") never shows: a transfer leaves the queue the moment it ends,
// because installing a simulated image takes no time and its outcome is
// then in the queued TransferComplete.
func (t *transfers) handleGetQueuedTransfers(_ context.Context, _ cwmp.Message) (cwmp.Message, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	resp := &cwmp.GetQueuedTransfersResponse{TransferList: []cwmp.QueuedTransferStruct{}}
	for _, tr := range t.queue {
		resp.TransferList = append(resp.TransferList, cwmp.QueuedTransferStruct{CommandKey: tr.CommandKey, State: tr.State})
	}
	return resp, nil
}

// handleGetAllQueuedTransfers lists the queued transfers with their
// details (A.4.1.7). The list would include autonomous transfers, but the
// agent only learns of those when they are over (autonomous).
func (t *transfers) handleGetAllQueuedTransfers(_ context.Context, _ cwmp.Message) (cwmp.Message, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	resp := &cwmp.GetAllQueuedTransfersResponse{TransferList: []cwmp.AllQueuedTransferStruct{}}
	for _, tr := range t.queue {
		resp.TransferList = append(resp.TransferList, cwmp.AllQueuedTransferStruct{
			CommandKey: tr.CommandKey, State: tr.State, IsDownload: tr.Method != methodUpload,
			FileType: tr.FileType, FileSize: tr.FileSize, TargetFileName: tr.TargetFileName,
		})
	}
	return resp, nil
}

// checkCommon checks the arguments every transfer method has (their
// lengths are those of cwmp-1-2.xsd). A URL with another scheme than http
// or https is fault 9013 here, in the response, because the XSD does not
// allow 9013 in a TransferComplete.
func checkCommon(commandKey, rawURL, username, password, target string) *cwmp.Fault {
	switch {
	case len(commandKey) > 32:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "CommandKey is longer than 32 characters")
	case len(rawURL) > 256:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "URL is longer than 256 characters")
	case len(username) > 256 || len(password) > 256:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "Username and Password are at most 256 characters")
	case len(target) > 256:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "TargetFileName is longer than 256 characters")
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "URL %q is not an absolute URL", rawURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return cwmp.NewFault(cwmp.FaultUnsupportedProtocol, "URL scheme %q is not supported: only http and https", u.Scheme)
	}
	if u.Host == "" {
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "URL %q has no host", rawURL)
	}
	// Credentials travel in Username and Password (A.3.2.8), where the
	// agent can answer a challenge with them instead of sending them
	// unasked.
	if u.User != nil {
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "URL carries user information: give it in Username and Password")
	}
	return nil
}

// checkDownload checks a Download or ScheduleDownload. Of the file types
// of A.3.2.8 the agent supports the standard ones, 1 to 6; a vendor type
// ("X <OUI> <name>") or anything else is fault 9003, as the device cannot
// use the file. A FileSize above transferConfig.maxSize is 9004
// (resources exceeded): A.3.2.8 gives FileSize so that the CPE can tell
// whether it has room.
func (t *transfers) checkDownload(commandKey, fileType, rawURL, username, password, target string, fileSize uint32) *cwmp.Fault {
	if f := checkCommon(commandKey, rawURL, username, password, target); f != nil {
		return f
	}
	switch fileType {
	case cwmp.FileFirmwareImage, cwmp.FileWebContent, cwmp.FileVendorConfiguration,
		cwmp.FileTone, cwmp.FileRinger, cwmp.FileStoredFirmwareImage:
	default:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "FileType %q is not supported", fileType)
	}
	if int64(fileSize) > t.cfg.maxSize {
		return cwmp.NewFault(cwmp.FaultResourcesExceeded, "FileSize %d is more than the %d bytes this device takes", fileSize, t.cfg.maxSize)
	}
	return nil
}

// checkUploadType checks an Upload's FileType (A.4.1.5): "1 Vendor
// Configuration File" (the tree as datamodel's Tree.Save writes it), "2
// Vendor Log File" (the vendor log), or their instance forms "3 Vendor
// Configuration File <i>" and "4 Vendor Log File <i>", which name an
// instance of DeviceInfo.VendorConfigFile or DeviceInfo.VendorLogFile that
// must exist, and upload the same content. Anything else is 9003.
func (t *transfers) checkUploadType(fileType string) *cwmp.Fault {
	var table, n string
	switch {
	case fileType == cwmp.UploadVendorConfiguration, fileType == cwmp.UploadVendorLog:
		return nil
	case strings.HasPrefix(fileType, cwmp.UploadVendorConfigurationInstance+" "):
		table, n = "DeviceInfo.VendorConfigFile.", strings.TrimPrefix(fileType, cwmp.UploadVendorConfigurationInstance+" ")
	case strings.HasPrefix(fileType, cwmp.UploadVendorLogInstance+" "):
		table, n = "DeviceInfo.VendorLogFile.", strings.TrimPrefix(fileType, cwmp.UploadVendorLogInstance+" ")
	default:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "FileType %q is not supported", fileType)
	}
	table = t.h.tree().Model().Root.Path + table
	i, err := strconv.ParseUint(n, 10, 32)
	if err != nil || i == 0 || n[0] == '0' {
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "FileType %q: %q is not an instance number", fileType, n)
	}
	if ins, err := t.h.tree().Instances(table); err != nil || !slices.Contains(ins, uint32(i)) {
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "FileType %q: %s%d does not exist", fileType, table, i)
	}
	return nil
}

// uploadsConfig reports whether an Upload's FileType is a configuration
// file rather than a log.
func uploadsConfig(fileType string) bool {
	return fileType == cwmp.UploadVendorConfiguration || strings.HasPrefix(fileType, cwmp.UploadVendorConfigurationInstance+" ")
}

// checkWindows checks ScheduleDownload's TimeWindowList (A.4.1.8): one or
// two windows, each ending after it starts, the second starting no earlier
// than the first ends (ordered, not overlapping), a standard WindowMode,
// MaxRetries of -1 or more. Anything else is 9003.
func checkWindows(ws []cwmp.TimeWindowStruct) *cwmp.Fault {
	if len(ws) == 0 || len(ws) > 2 {
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "TimeWindowList has %d windows: 1 or 2 are allowed", len(ws))
	}
	for i, w := range ws {
		switch {
		case w.WindowEnd <= w.WindowStart:
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "time window %d ends (%d s) before it starts (%d s)", i+1, w.WindowEnd, w.WindowStart)
		case i > 0 && w.WindowStart < ws[i-1].WindowEnd:
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "time window %d starts (%d s) before window %d ends (%d s)", i+1, w.WindowStart, i, ws[i-1].WindowEnd)
		case w.MaxRetries < -1:
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "time window %d: MaxRetries %d is below -1", i+1, w.MaxRetries)
		case len(w.UserMessage) > 256:
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "time window %d: UserMessage is longer than 256 characters", i+1)
		}
		switch w.WindowMode {
		case "1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed":
		default:
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "time window %d: WindowMode %q is not supported", i+1, w.WindowMode)
		}
	}
	return nil
}

// validFileType matches the TransferFileType patterns of cwmp-1-2.xsd:
// "<n> <words>" with n from 1, or "X <vendor> <name>"; at most 64
// characters.
func validFileType(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	first, rest, ok := strings.Cut(s, " ")
	if !ok || rest == "" {
		return false
	}
	if first == "X" {
		vendor, name, ok := strings.Cut(rest, " ")
		return ok && vendor != "" && name != ""
	}
	if first[0] == '0' || strings.Trim(first, "0123456789") != "" {
		return false
	}
	return !strings.Contains(rest, "  ") && !strings.HasSuffix(rest, " ") && !strings.HasPrefix(rest, " ")
}

// transferCompleteCode reports whether a TransferComplete or
// AutonomousTransferComplete may carry code: 0, the codes the XSD's
// TransferCompleteCPEFaultCodeType lists, or an extension or vendor code
// (9033-9899).
func transferCompleteCode(c cwmp.FaultCode) bool {
	switch c {
	case 0, 9001, 9002, 9010, 9011, 9012, 9014, 9015, 9016, 9017, 9018, 9019, 9020:
		return true
	}
	return c >= 9033 && c <= 9899
}

// transferFault is a FaultStruct whose FaultString fits the XSD.
func transferFault(code cwmp.FaultCode, format string, args ...any) cwmp.FaultStruct {
	return cwmp.FaultStruct{FaultCode: code, FaultString: truncate(fmt.Sprintf(format, args...), maxFaultString)}
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// logURL is a URL for logs: without its query, which may hold a token.
func logURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// useTLS sets the TLS settings for HTTPS file servers (the agent's custom
// CA); nil keeps the system roots.
func (t *transfers) useTLS(c *tls.Config) { t.cfg.tls = c }
