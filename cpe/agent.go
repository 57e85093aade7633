package cpe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// Defaults of Config.
const (
	// DefaultModel is the data model of an agent whose Config.Model is
	// empty: TR-181 Issue 2.
	DefaultModel = "Device:2.17"
	// DefaultMaxRedirects is how many HTTP redirects of the Inform an
	// agent follows in one session when Config.MaxRedirects is 0: enough
	// for a load balancer in front of a regional ACS, few enough to end a
	// redirect loop quickly.
	DefaultMaxRedirects = 5
	// DefaultSessionTimeout bounds the wait for each HTTP response of a
	// session when Config.SessionTimeout is 0: the 30 seconds TR-069
	// 3.4.2 has a CPE wait for an answer before it considers the session
	// failed.
	DefaultSessionTimeout = 30 * time.Second
	// DefaultMaxBodySize bounds the SOAP body read from the ACS when
	// Config.MaxBodySize is 0.
	DefaultMaxBodySize = 4 << 20
)

// Factory values of the retry back-off (TR-069 3.2.1.1): the data models
// define CWMPRetryMinimumWaitInterval and CWMPRetryIntervalMultiplier
// without a schema default but say their factory values are 5 and 2000,
// so a fresh tree gets them written.
const (
	defaultRetryMinimumWait = 5
	defaultRetryMultiplier  = 2000
)

// Config configures an Agent. Only ACSURL and DeviceID are needed; every
// other field has a default.
type Config struct {
	// ACSURL is the factory ACS URL: written into ManagementServer.URL at
	// first start and after a FactoryReset. Later starts use the URL in
	// the saved tree, which the ACS (or the device, with Set) may have
	// changed; a changed URL makes the next session a 0 BOOTSTRAP to the
	// new ACS. To impose a URL on a saved device, Set
	// ManagementServer.URL after New. Empty leaves the device without an
	// ACS: sessions fail until the URL is set.
	ACSURL string
	// Username and Password are the CPE's credentials to the ACS (HTTP
	// Digest; Basic only over TLS), written into ManagementServer.Username
	// and .Password with the same rules as ACSURL.
	Username, Password string
	// ConnectionRequestUsername and ConnectionRequestPassword are the
	// credentials the ACS must give on a connection request
	// (ManagementServer.ConnectionRequestUsername and .Password), written
	// with the same rules as ACSURL, so a FactoryReset restores them.
	ConnectionRequestUsername, ConnectionRequestPassword string
	// Model is the data model: "Device:2.17" (DefaultModel) or
	// "InternetGatewayDevice:1.14" (see datamodel.BuiltinNames).
	Model string
	// DeviceID, SoftwareVersion and HardwareVersion are written into the
	// tree's DeviceInfo at first start (Manufacturer, ManufacturerOUI,
	// ProductClass, SerialNumber, SoftwareVersion, HardwareVersion) and
	// kept by FactoryReset. The Inform's DeviceId is read from the tree.
	DeviceID                         cwmp.DeviceIdStruct
	SoftwareVersion, HardwareVersion string
	// PeriodicInformInterval, when positive, is the factory setting of
	// periodic informs: PeriodicInformEnable true and this interval
	// (rounded up to whole seconds) at first start and after a
	// FactoryReset. 0 leaves the model's default, periodic informs off.
	PeriodicInformInterval time.Duration
	// StateDir is where the agent keeps its state across restarts (see
	// Agent). "" keeps nothing: every New is a new device.
	StateDir string
	// HTTPClient performs the agent's requests to the ACS. Give all the
	// agents of a process the same client: nil means one default client
	// shared by every agent that has no TLS config (30 s connect, 10 s TLS
	// handshake, certificates checked against the system roots).
	HTTPClient *http.Client
	// TLS, when HTTPClient is nil, is the TLS configuration of a client made
	// for this agent alone: set RootCAs to trust a private CA. Certificates
	// are always checked unless TLS.InsecureSkipVerify says otherwise.
	TLS *tls.Config
	// SupportedVersions are the CWMP versions the agent speaks, lowest
	// first; nil means cwmp.Versions. The Inform uses the namespace of the
	// newest and carries the SupportedCWMPVersions header when the list
	// has 1.4 (TR-069 3.7.1.6, A.2.2); the ACS's UseCWMPVersion then applies to the
	// rest of the session.
	SupportedVersions []cwmp.Version
	// Clock is the agent's time; nil means the system clock.
	Clock Clock
	// Logger receives the agent's logs, with the serial number attached;
	// nil means slog.Default().
	Logger *slog.Logger
	// Rand returns a number in [0, 1] that places the randomised retry
	// back-off in its range: 0 the shortest wait, 1 the longest. nil means
	// math/rand/v2.Float64.
	Rand func() float64
	// MaxRedirects bounds the redirects of the Inform followed in one
	// session; 0 means DefaultMaxRedirects, negative follows none.
	MaxRedirects int
	// SessionTimeout bounds the wait for each HTTP response from the ACS;
	// 0 means DefaultSessionTimeout.
	SessionTimeout time.Duration
	// MaxBodySize bounds each SOAP body read from the ACS; 0 means
	// DefaultMaxBodySize.
	MaxBodySize int64
	// OnWake, when set, is called whenever NextSession may have moved
	// earlier outside a session (Wake, a connection request, a subsystem's
	// wake or wakeAt, an active notification, a reboot, a device-side Set),
	// so that a scheduler driving agents without Run can look again. It
	// runs on the goroutine that caused it, possibly with a subsystem's
	// lock held: it may call NextSession but must not block or call
	// Session. One function can serve every agent of a fleet.
	OnWake func(*Agent)
}

// Agent is a CPE: its parameter tree, its pending events and requests, its
// schedules, and the subsystems (transfers, software modules, connection
// requests) that answer the rest of the CPE methods.
//
// An Agent is passive state plus methods and starts no goroutine unless
// Run is called: a program embedding one device calls Run; the fleet
// simulator calls Session when NextSession is due, from its own
// goroutines, for very many agents. Everything an idle agent holds is its
// configuration, the differences of its tree from the model (see
// datamodel.Tree), and its pending events and requests; the HTTP client,
// the model and the logger's handler are shared.
//
// With Config.StateDir set, the agent keeps in StateDir/agent.json the
// tree, pending events, queued requests, the retry state, scheduled
// informs, acknowledged Reboots not yet done and each subsystem's state. New on a directory holding that file
// is a boot of the device: the events that do not survive a reboot are
// dropped and 1 BOOT is added. The file is written atomically (a temporary
// file renamed over it) at the end of every session, by Run before it
// waits, by Save, and by New.
//
// The methods are safe for concurrent use. Sessions run one at a time.
type Agent struct {
	cfg    Config // with defaults applied
	model  *datamodel.Model
	paths  *modelPaths
	logger *slog.Logger

	// subsystems are made by subsystemFactories in New; fixed after New.
	subsystems []subsystem
	// resumeOnce resumes the subsystems' restored work at the first session.
	resumeOnce sync.Once

	// sessionMu is held for a whole session, and persistMu for a write of
	// the state file.
	sessionMu sync.Mutex
	persistMu sync.Mutex

	// mu guards everything below. Lock order: sessionMu, persistMu, then
	// any subsystem's lock, then mu, then the tree's own lock. Subsystem
	// methods and afterSession callbacks are never called with mu held,
	// and no host method calls into a subsystem, so a subsystem may call
	// host methods with its own lock held.
	mu     sync.Mutex
	tr     *datamodel.Tree
	events []event           // pending, oldest first (events.go)
	reqs   []cwmp.ACSRequest // queued CPE requests, oldest first
	acsURL string            // the ACS URL the current bootstrap is for
	sched  schedule          // retry, periodic, scheduled informs, wakes (schedule.go)
	notify notifyState       // active notification (notify.go)
	after  []func()          // afterSession callbacks of the session in progress
	// reboots are the CommandKeys of the Reboots acknowledged in the
	// session in progress, until the reboot after it (params.go).
	reboots []string
	wakeCh  chan struct{} // made by Run; nil when nobody waits
	inSess  bool          // a session is in progress
	dirty   bool          // state changed since the last write of the state file
}

var _ host = (*Agent)(nil)

// subsystemFactories make the agent's subsystems, one of each per agent,
// in New. Each subsystem's file adds its constructor in an init function:
//
//	func init() {
//		subsystemFactories = append(subsystemFactories, func(h host) subsystem { return newTransfers(h) })
//	}
//
// A factory may call host methods (the tree exists and holds the restored
// state); restoreState is called right after it with what saveState
// returned before the restart, nil when there is none. A subsystem's state
// is stored under its Go type name ("*cpe.transfers"), so renaming the
// type forgets the state saved under the old name.
//
// register is called at the start of every session with that session's
// mux, so it must only add handlers.
var subsystemFactories []func(host) subsystem

// New returns an agent for cfg. With cfg.StateDir holding a saved state it
// resumes that device (a boot: 1 BOOT, and whatever events survive a
// reboot); otherwise it makes a fresh device from the model, with DeviceInfo
// and ManagementServer filled from cfg, whose first session carries
// 0 BOOTSTRAP and 1 BOOT. An unreadable state file is an error naming the
// file, never a silent fresh start. New starts no goroutine and contacts
// no one: the first session is due at once (NextSession).
func New(cfg Config) (*Agent, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	m, err := datamodel.Builtin(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("cpe: model %q: %w", cfg.Model, err)
	}
	a := &Agent{cfg: cfg, model: m, paths: pathsOf(m)}
	st, err := a.readState()
	if err != nil {
		return nil, err
	}
	if st == nil {
		if a.tr, err = a.factoryTree(); err != nil {
			return nil, err
		}
	}
	a.logger = cfg.Logger.With("serial", a.get(a.paths.serial))
	if st == nil {
		a.acsURL = a.get(a.paths.url)
		a.addEventLocked(cwmp.EventBootstrap, "")
		a.addEventLocked(cwmp.EventBoot, "")
		a.wakeLocked()
	} else {
		a.restore(st)
		a.bootLocked(nil)
		// Reboots acknowledged in a session the agent did not live to
		// end: this start is their reboot.
		for _, key := range a.reboots {
			a.addEventLocked(cwmp.EventMReboot, key)
		}
		a.reboots = nil
	}
	a.tr.OnActiveChange(a.onActiveChange)

	for _, f := range subsystemFactories {
		s := f(a)
		var data []byte
		if st != nil {
			data = st.Subsystems[subsystemKey(s)]
		}
		if err := s.restoreState(data); err != nil {
			return nil, fmt.Errorf("cpe: state file %s: restore %s: %w", a.statePath(), subsystemKey(s), err)
		}
		if u, ok := s.(tlsUser); ok {
			u.useTLS(cfg.TLS)
		}
		if t, ok := s.(*transfers); ok {
			// The vendor log file an Upload sends holds the agent's own log.
			a.logger = slog.New(t.logHandler(a.logger.Handler()))
		}
		a.subsystems = append(a.subsystems, s)
	}
	a.dirty = true
	if err := a.Save(); err != nil {
		return nil, err
	}
	return a, nil
}

// setDefaults fills the zero fields of c and checks the rest.
func (c *Config) setDefaults() error {
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.SupportedVersions == nil {
		c.SupportedVersions = cwmp.Versions
	}
	for _, v := range c.SupportedVersions {
		if v.Namespace() == "" {
			return fmt.Errorf("cpe: Config.SupportedVersions: CWMP %s is not a version this package speaks", v)
		}
	}
	if len(c.SupportedVersions) == 0 {
		return errors.New("cpe: Config.SupportedVersions is empty")
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = DefaultSessionTimeout
	}
	if c.MaxBodySize <= 0 {
		c.MaxBodySize = DefaultMaxBodySize
	}
	if c.ACSURL != "" {
		if u, err := url.Parse(c.ACSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("cpe: Config.ACSURL %q is not an http or https URL", c.ACSURL)
		}
	}
	if c.PeriodicInformInterval < 0 {
		return fmt.Errorf("cpe: Config.PeriodicInformInterval %s is negative", c.PeriodicInformInterval)
	}
	if c.HTTPClient == nil {
		if c.TLS != nil {
			c.HTTPClient = &http.Client{Transport: newTransport(c.TLS)}
		} else {
			c.HTTPClient = sharedClient()
		}
	}
	return nil
}

var (
	sharedClientOnce sync.Once
	sharedClientVal  *http.Client
)

// sharedClient is the client of every agent without HTTPClient or TLS, so
// that a process of many agents shares one connection pool.
func sharedClient() *http.Client {
	sharedClientOnce.Do(func() { sharedClientVal = &http.Client{Transport: newTransport(nil)} })
	return sharedClientVal
}

// newTransport returns a transport with bounded connection set-up. The
// wait for responses is bounded per request by Config.SessionTimeout.
func newTransport(tc *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tc,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   false, // CWMP is HTTP/1.1 (TR-069 3.4.1)
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
}

// modelPaths are the full names of the parameters the agent itself uses,
// computed once per model.
type modelPaths struct {
	url, username, password                 string
	crUsername, crPassword                  string
	periodicEnable, periodicInterval, phase string
	retryMin, retryMultiplier, throttle     string
	manufacturer, oui, productClass, serial string
	softwareVersion, hardwareVersion        string
	// forced lists the forced-inform parameters (TR-069 A.3.3.1), with
	// "*" for the instance numbers of parameters inside tables.
	forced []string
}

var (
	pathsMu    sync.Mutex
	pathsCache = map[*datamodel.Model]*modelPaths{}
)

func pathsOf(m *datamodel.Model) *modelPaths {
	pathsMu.Lock()
	defer pathsMu.Unlock()
	if p, ok := pathsCache[m]; ok {
		return p
	}
	ms, di := m.Root.Path+"ManagementServer.", m.Root.Path+"DeviceInfo."
	p := &modelPaths{
		url: ms + "URL", username: ms + "Username", password: ms + "Password",
		crUsername: ms + "ConnectionRequestUsername", crPassword: ms + "ConnectionRequestPassword",
		periodicEnable: ms + "PeriodicInformEnable", periodicInterval: ms + "PeriodicInformInterval", phase: ms + "PeriodicInformTime",
		retryMin: ms + "CWMPRetryMinimumWaitInterval", retryMultiplier: ms + "CWMPRetryIntervalMultiplier",
		throttle:     ms + "DefaultActiveNotificationThrottle",
		manufacturer: di + "Manufacturer", oui: di + "ManufacturerOUI", productClass: di + "ProductClass", serial: di + "SerialNumber",
		softwareVersion: di + "SoftwareVersion", hardwareVersion: di + "HardwareVersion",
	}
	for _, prm := range m.ForcedInform() {
		// Deprecated forced-inform parameters (TR-098 DeviceSummary) are
		// still what deployed ACSes read; obsoleted and deleted ones are
		// gone from the model the device implements.
		if prm.Status == datamodel.Obsoleted || prm.Status == datamodel.Deleted {
			continue
		}
		p.forced = append(p.forced, wildcardPath(prm.Path))
	}
	pathsCache[m] = p
	return p
}

// wildcardPath turns a definition path's "{i}" into the instance wildcard
// "*" that GetParameterValues expands (TR-069 A.2.2.1).
func wildcardPath(def string) string {
	out := make([]byte, 0, len(def))
	for i := 0; i < len(def); i++ {
		if def[i] == '{' && i+2 < len(def) && def[i+1] == 'i' && def[i+2] == '}' {
			out = append(out, '*')
			i += 2
			continue
		}
		out = append(out, def[i])
	}
	return string(out)
}

// factoryTree returns the tree of the device as it leaves the factory:
// the model's defaults with the identity, the ACS and the protocol's
// factory values from the configuration.
func (a *Agent) factoryTree() (*datamodel.Tree, error) {
	tr := datamodel.NewTree(a.model)
	p, c := a.paths, a.cfg
	set := []struct{ path, value, field string }{
		{p.manufacturer, c.DeviceID.Manufacturer, "DeviceID.Manufacturer"},
		{p.oui, c.DeviceID.OUI, "DeviceID.OUI"},
		{p.productClass, c.DeviceID.ProductClass, "DeviceID.ProductClass"},
		{p.serial, c.DeviceID.SerialNumber, "DeviceID.SerialNumber"},
		{p.softwareVersion, c.SoftwareVersion, "SoftwareVersion"},
		{p.hardwareVersion, c.HardwareVersion, "HardwareVersion"},
		{p.url, c.ACSURL, "ACSURL"},
		{p.username, c.Username, "Username"},
		{p.password, c.Password, "Password"},
		{p.crUsername, c.ConnectionRequestUsername, "ConnectionRequestUsername"},
		{p.crPassword, c.ConnectionRequestPassword, "ConnectionRequestPassword"},
		{p.retryMin, strconv.Itoa(defaultRetryMinimumWait), ""},
		{p.retryMultiplier, strconv.Itoa(defaultRetryMultiplier), ""},
	}
	if c.PeriodicInformInterval > 0 {
		secs := (c.PeriodicInformInterval + time.Second - 1) / time.Second
		set = append(set,
			struct{ path, value, field string }{p.periodicEnable, "true", ""},
			struct{ path, value, field string }{p.periodicInterval, strconv.FormatInt(int64(secs), 10), "PeriodicInformInterval"})
	}
	// The tree answers instance wildcards (TR-069 A.2.2.1), so the device
	// says so where the model has the capability parameter.
	if ws := a.model.Root.Path + "ManagementServer.InstanceWildcardsSupported"; a.model.Parameter(ws) != nil {
		set = append(set, struct{ path, value, field string }{ws, "true", ""})
	}
	// TR-181 Device:2 reports the version of the model it implements.
	if _, ver, ok := strings.Cut(a.model.Name, ":"); ok && a.model.Parameter(a.model.Root.Path+"RootDataModelVersion") != nil {
		set = append(set, struct{ path, value, field string }{a.model.Root.Path + "RootDataModelVersion", ver, ""})
	}
	for _, s := range set {
		if s.value == "" {
			continue
		}
		if err := tr.Set(s.path, s.value); err != nil {
			if s.field == "" {
				return nil, fmt.Errorf("cpe: set %s: %w", s.path, err)
			}
			return nil, fmt.Errorf("cpe: Config.%s %q: %w", s.field, s.value, err)
		}
	}
	// The factory values are not changes to notify.
	tr.ClearChanges(tr.Changes())
	return tr, nil
}

// get reads a parameter the agent's own logic uses, "" when the model
// lacks it.
func (a *Agent) get(path string) string {
	v, _, err := a.tree().Get(path)
	if err != nil {
		return ""
	}
	return v
}

// Tree returns the device's parameter tree. The pointer changes on
// FactoryReset; call Tree again rather than keeping it.
func (a *Agent) Tree() *datamodel.Tree { return a.tree() }

// Set changes a parameter as the device does (a subsystem of the device,
// the simulator, a test): whatever its access, validated, and with
// notification: a parameter with passive notification is reported in the
// next Inform, one with active notification asks for a session, within
// DefaultActiveNotificationThrottle (notify.go). Setting
// ManagementServer.URL points the agent at a new ACS with 0 BOOTSTRAP.
// Errors are *cwmp.Fault (9005 unknown name, 9007 invalid value).
func (a *Agent) Set(path, value string) error {
	if err := a.tree().Set(path, value); err != nil {
		return err
	}
	a.mu.Lock()
	a.dirty = true
	a.checkURLLocked()
	a.mu.Unlock()
	// The URL and the periodic-inform parameters move NextSession; active
	// notification signals on its own (onActiveChange).
	if strings.HasPrefix(path, a.model.Root.Path+"ManagementServer.") {
		a.signal()
	}
	return nil
}

// Send queues a request of the CPE for the ACS (RequestDownload, Kicked,
// TransferComplete, AutonomousTransferComplete, DUStateChangeComplete,
// AutonomousDUStateChangeComplete, GetRPCMethods) with its event code, and
// asks for a session. It is sent after the next InformResponse and kept,
// across failed sessions and reboots, until the ACS answers it with its
// response; a fault answer keeps it for the session after. The method
// events that go with a TransferComplete or DUStateChangeComplete (M
// Download, M ChangeDUState, ...) name the request the ACS made, so they
// are the caller's to add; an agent's own subsystems do that.
func (a *Agent) Send(req cwmp.ACSRequest) error {
	if req == nil {
		return errors.New("cpe: Send: nil request")
	}
	if _, ok := req.(*cwmp.Inform); ok {
		return errors.New("cpe: Send: the agent sends the Inform itself at the start of each session")
	}
	a.queueRequest(req)
	a.wake()
	return nil
}

// Wake asks for a session now: NextSession returns a time not after now,
// and Run starts one (right after the current one, if one is in
// progress).
func (a *Agent) Wake() { a.wake() }

// host implementation. The subsystems' contract is in host.go.

func (a *Agent) tree() *datamodel.Tree {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tr
}

func (a *Agent) now() time.Time { return a.cfg.Clock.Now() }

func (a *Agent) log() *slog.Logger { return a.logger }

func (a *Agent) addEvent(code cwmp.EventCode, commandKey string) {
	a.mu.Lock()
	a.addEventLocked(code, commandKey)
	a.dirty = true
	a.mu.Unlock()
}

// queueRequest queues req and adds the event code that announces it
// (TR-069 Table 7: 7 TRANSFER COMPLETE for a TransferComplete, ...).
func (a *Agent) queueRequest(req cwmp.ACSRequest, events ...cwmp.EventStruct) {
	a.mu.Lock()
	a.reqs = append(a.reqs, req)
	if code := requestEvent(req); code != "" {
		a.addEventLocked(code, "")
	}
	for _, e := range events {
		a.addEventLocked(e.EventCode, e.CommandKey)
	}
	a.dirty = true
	a.mu.Unlock()
}

func (a *Agent) wake() {
	a.mu.Lock()
	a.wakeLocked()
	a.mu.Unlock()
	a.signal()
}

func (a *Agent) wakeAt(t time.Time) {
	a.mu.Lock()
	a.sched.addWake(t)
	a.dirty = true
	a.mu.Unlock()
	a.signal()
}

func (a *Agent) afterSession(f func()) {
	a.mu.Lock()
	if a.inSess {
		a.after = append(a.after, f)
		a.mu.Unlock()
		return
	}
	a.mu.Unlock()
	f()
}

// reboot simulates a reboot (host.reboot). During a session it waits for
// the session's end, as TR-069 A.3.2.9 has the CPE finish the session
// before rebooting.
func (a *Agent) reboot(commandKey *string) {
	a.mu.Lock()
	if a.inSess {
		a.after = append(a.after, func() { a.reboot(commandKey) })
		a.mu.Unlock()
		return
	}
	a.bootLocked(commandKey)
	a.mu.Unlock()
	a.logger.Info("reboot", "commandKey", derefOr(commandKey, "(none)"))
	a.signal()
}

func (a *Agent) changed() {
	a.mu.Lock()
	a.dirty = true
	a.mu.Unlock()
}

func derefOr(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// bootLocked is what a boot does to the agent's state (TR-069 3.7.1.5):
// events that do not survive a reboot are dropped, and with them the
// recorded value changes; 1 BOOT is added, M Reboot with its CommandKey
// when the ACS asked for the reboot (which is then no longer pending); a
// session is due at once. The periodic schedule restarts (a device without
// a PeriodicInformTime chooses its phase anew), and the throttle of active
// notifications forgets the last session (TR-181
// DefaultActiveNotificationThrottle: "does not need to be tracked across
// reboots").
func (a *Agent) bootLocked(commandKey *string) {
	a.dropOnRebootLocked()
	a.tr.ClearChanges(a.tr.Changes())
	a.notify = notifyState{}
	a.addEventLocked(cwmp.EventBoot, "")
	if commandKey != nil {
		a.addEventLocked(cwmp.EventMReboot, *commandKey)
		if i := slices.Index(a.reboots, *commandKey); i >= 0 {
			a.reboots = slices.Delete(a.reboots, i, i+1)
		}
	}
	a.sched.periodic = periodicState{}
	a.checkURLLocked()
	a.wakeLocked()
	a.dirty = true
}

// factoryReset returns the device to its factory state once the session
// that asked for it has ended (TR-069 A.4.1.6): the tree is the model's
// with the identity and the factory settings of Config (so the device
// keeps its DeviceId and firmware), every pending event, request and
// schedule is forgotten, the subsystems forget their state, and the next
// session carries 0 BOOTSTRAP and 1 BOOT.
func (a *Agent) factoryReset() {
	// Work of the old device must not write into the new tree.
	for _, s := range a.subsystems {
		if h, ok := s.(halter); ok {
			h.halt()
		}
	}
	tr, err := a.factoryTree()
	if err != nil {
		// The same Config made a tree in New; only a bug gets here.
		a.logger.Error("factory reset", "err", err)
		return
	}
	// Keep what the factory does not set: the firmware the device runs
	// now and its hardware.
	for _, p := range []string{a.paths.softwareVersion, a.paths.hardwareVersion} {
		if v := a.get(p); v != "" {
			_ = tr.Set(p, v)
		}
	}
	tr.ClearChanges(tr.Changes())
	a.mu.Lock()
	a.tr.OnActiveChange(nil)
	a.tr = tr
	a.tr.OnActiveChange(a.onActiveChange)
	a.events = nil
	a.reqs = nil
	a.sched = schedule{}
	a.notify = notifyState{}
	a.acsURL = a.get0Locked(a.paths.url)
	a.addEventLocked(cwmp.EventBootstrap, "")
	a.addEventLocked(cwmp.EventBoot, "")
	a.wakeLocked()
	a.dirty = true
	a.mu.Unlock()
	for _, s := range a.subsystems {
		s.factoryReset()
	}
	a.logger.Info("factory reset")
	a.signal()
}

// get0Locked is get with a.mu held.
func (a *Agent) get0Locked(path string) string {
	v, _, err := a.tr.Get(path)
	if err != nil {
		return ""
	}
	return v
}

// checkURLLocked notices a new ManagementServer.URL, set by the ACS or by
// the device: the next session goes to the new ACS with 0 BOOTSTRAP
// (TR-069 3.2.1 and Table 7: "the ACS URL was changed"), at once. The
// bootstrap is owed until an InformResponse from that ACS acknowledges it.
func (a *Agent) checkURLLocked() {
	url := a.get0Locked(a.paths.url)
	if url == a.acsURL {
		return
	}
	a.logger.Info("new ACS URL: bootstrap", "old", a.acsURL, "new", url)
	a.acsURL = url
	a.addEventLocked(cwmp.EventBootstrap, "")
	a.wakeLocked()
	a.dirty = true
}

// wakeLocked makes a session due now.
func (a *Agent) wakeLocked() {
	if !a.sched.wakeNow {
		a.sched.wakeNow, a.sched.wokeAt = true, a.now()
	}
}

// signal tells Run, and Config.OnWake, that NextSession may have moved.
func (a *Agent) signal() {
	a.mu.Lock()
	ch := a.wakeCh
	a.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	if a.cfg.OnWake != nil {
		a.cfg.OnWake(a)
	}
}

// subsystemKey names a subsystem's entry in the state file.
func subsystemKey(s subsystem) string { return fmt.Sprintf("%T", s) }

// Close stops the subsystems' work in progress (running transfers, software
// operations), leaving it saved so that New on the same StateDir resumes it,
// and saves the state. Call it when the agent is done, after Run has
// returned; the agent must not be used afterwards.
func (a *Agent) Close() error {
	for _, s := range a.subsystems {
		if c, ok := s.(closer); ok {
			c.close()
		}
	}
	a.mu.Lock()
	a.dirty = true
	a.mu.Unlock()
	return a.Save()
}

// AutonomousTransferComplete reports a transfer the device made on its own
// (TR-069 A.3.3.3): it is queued with 10 AUTONOMOUS TRANSFER COMPLETE for
// the next session, which is asked for at once.
func (a *Agent) AutonomousTransferComplete(atc cwmp.AutonomousTransferComplete) error {
	t, ok := subsystemOf[*transfers](a)
	if !ok {
		return errors.New("cpe: this agent has no transfers subsystem")
	}
	return t.autonomous(atc)
}

// ChangeSoftware applies a software-module operation the device decides on
// its own (an Install, Update or Uninstall not requested by the ACS) and
// reports it with AutonomousDUStateChangeComplete and 12 AUTONOMOUS DU
// STATE CHANGE COMPLETE, as ManagementServer.DUStateChangeComplPolicy says.
func (a *Agent) ChangeSoftware(ctx context.Context, op cwmp.Operation) ([]cwmp.AutonOpResultStruct, error) {
	s, ok := subsystemOf[*softwareModules](a)
	if !ok {
		return nil, errors.New("cpe: this agent has no software-module subsystem")
	}
	return s.autonomousChange(ctx, op)
}

// subsystemOf returns the agent's subsystem of type T.
func subsystemOf[T subsystem](a *Agent) (T, bool) {
	for _, s := range a.subsystems {
		if t, ok := s.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}
