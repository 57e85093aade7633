package cpe

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// HTTP connection requests (TR-069 section 3.2.2): the ACS asks the CPE for
// a session with an authenticated HTTP GET on the URL the CPE reports in
// ManagementServer.ConnectionRequestURL. A ConnReqServer is that listener,
// for one agent or for very many: each agent gets its own unguessable path,
// so the fleet simulator serves all its devices from one port.
//
// The requirements of 3.2.2 this implements, and the choices it leaves:
//
//   - "HTTP 1.1 GET to a specific URL designated by the CPE ... The path of
//     this URL value SHOULD be randomly generated": the path is 16 bytes
//     from crypto/rand in hex; other methods get 405, other paths 404.
//     The path is part of the agent's saved state, so with a fixed listen
//     address the URL survives restarts and the ACS's copy stays good.
//   - "No data is conveyed ... Any data that might be contained SHOULD be
//     ignored": a body is read (up to connReqMaxBody) and dropped.
//   - The CPE authenticates the ACS against ConnectionRequestUsername and
//     ConnectionRequestPassword, read from the tree at each request so that
//     an ACS's SetParameterValues takes effect at once. Digest always;
//     Basic only when ConnReqConfig.Basic is set (Amendment 2 required
//     Digest; Basic sends the password in clear over the plain-HTTP
//     connection-request URL). An empty ConnectionRequestUsername
//     authenticates nobody, so connection requests stay refused until the
//     device or the ACS sets credentials; an empty password with a
//     username is accepted, as the device was configured.
//   - "MUST NOT initiate a connection to the ACS due to an unsuccessfully
//     authenticated request": failures are a 401 challenge and nothing else.
//   - "MUST accept Connection Requests from any source that has the correct
//     authentication": there is no source-address filter.
//   - The response to an authenticated request is 200 with an empty body,
//     sent and flushed "immediately upon successful authentication, prior to
//     it initiating the resulting session": only then is 6 CONNECTION
//     REQUEST added and the agent woken; the session runs in the agent's own
//     goroutine (Run, or the simulator's), never in the handler.
//   - "The CPE SHOULD restrict the number of Connection Requests it accepts
//     during a given period of time ... MUST respond ... with an HTTP 503
//     ... SHOULD NOT include the HTTP Retry-After header": each agent has a
//     token bucket (ConnReqConfig.Burst, .Every) on the agent's clock; only
//     authenticated requests spend tokens, so a flood of bad requests
//     cannot lock the ACS out. A refused request adds no event ("If the CPE
//     rejects a Connection Request ... it MUST NOT initiate a session ... as
//     a result").
//   - Requests before the session starts, and during a session: 3.2.2
//     requires a success answer to each but only one session (the single
//     event rule of 6 CONNECTION REQUEST and the agent's one pending wake
//     give that), and, during a session, either 503 for each (option a) or
//     exactly one new session right after it (option b). We take option b:
//     every authenticated request within the rate limit is accepted; an
//     event added during a session is not one the session's Inform carried,
//     so it stays pending, and the wake makes Run start the next session as
//     soon as the current one ends. An ACS that pokes a device mid-session
//     (to hurry a task it just queued) gets its session instead of an
//     error.
type ConnReqServer struct {
	cfg  ConnReqConfig
	auth cwmp.Authenticator

	// mu guards everything below. Lock order: ConnReqServer.mu, then
	// connReq.mu; no host method is called with either held (a tree's
	// active-change callback calls back into the agent).
	mu      sync.RWMutex
	agents  map[string]*connReq // by path, without the leading "/"
	baseURL string              // "http://host:port", "" until Start
	srv     *http.Server
	ln      net.Listener
	served  chan struct{} // closed when the serving goroutine has returned
	closed  bool
}

// ConnReqConfig configures a ConnReqServer. The zero value is the safe
// default: Digest only, the default rate limit.
type ConnReqConfig struct {
	// Realm is the Digest and Basic realm; empty means DefaultConnReqRealm.
	Realm string
	// Basic accepts HTTP Basic as well as Digest. Connection requests are
	// plain HTTP, so Basic exposes ConnectionRequestPassword to anyone on
	// the path; enable it only for ACSes that cannot do Digest.
	Basic bool
	// Burst is how many connection requests an agent accepts in a row, and
	// Every how long it takes to earn one more (a token bucket per agent,
	// on the agent's clock). 0 means DefaultConnReqBurst and
	// DefaultConnReqEvery; a negative Burst turns the limit off.
	Burst int
	Every time.Duration
	// URLHost is the host, or host:port, written into ConnectionRequestURL:
	// the address the ACS reaches the listener at (a NAT's public address,
	// a name). Empty means the listener's own address; when that is a
	// wildcard (":7547"), the first global unicast address of the host's
	// interfaces, or 127.0.0.1 if there is none. A program that knows the
	// ACS should rather give its own address on the route to the ACS.
	URLHost string
	// Logger receives the listener's own errors; per-request logs go to the
	// agent's logger. nil discards them.
	Logger *slog.Logger
}

// Defaults of ConnReqConfig.
const (
	// DefaultConnReqRealm is the realm of the connection-request challenge.
	DefaultConnReqRealm = "cwmpkit connection request"
	// DefaultConnReqBurst and DefaultConnReqEvery accept 5 connection
	// requests at once, then one every 10 s: an ACS retrying after the 30 s
	// of 3.2.2 is never refused, a script poking once per queued task gets
	// its sessions, and a client that knows the password cannot make the
	// agent run more than six sessions a minute.
	DefaultConnReqBurst = 5
	DefaultConnReqEvery = 10 * time.Second
)

// Bounds of the listener. A connection request is one short GET, so these
// only have to let a slow ACS through.
const (
	connReqReadHeaderTimeout = 10 * time.Second
	connReqReadTimeout       = 15 * time.Second
	connReqWriteTimeout      = 15 * time.Second
	connReqIdleTimeout       = 60 * time.Second
	// connReqMaxHeaderBytes fits an 8 KiB Authorization header (the most
	// cwmp.Authenticator parses) and the rest of a request.
	connReqMaxHeaderBytes = 16 << 10
	// connReqMaxBody is the most body read from a GET before the
	// connection is closed; the body is ignored anyway.
	connReqMaxBody = 4 << 10
	// connReqShutdown is how long Close waits for requests in progress.
	connReqShutdown = 5 * time.Second
	// connReqPathBytes is the entropy of a path: 128 bits.
	connReqPathBytes = 16
)

// connReq is an agent's side of connection requests: a subsystem (so that
// its path is saved with the agent's state, and a FactoryReset's new tree
// gets the URL again) that a ConnReqServer serves.
type connReq struct {
	h host

	mu sync.Mutex
	// path is the agent's path, "" until a server first serves it; saved.
	path string
	// url is what was last written into ConnectionRequestURL, "" while no
	// listening server serves the agent.
	url string
	// srv is the server serving the agent, nil when none.
	srv *ConnReqServer
	// tat is the rate limiter's theoretical arrival time (GCRA, a token
	// bucket as one timestamp): a request at now is accepted if, with
	// Every added to max(tat, now), tat is at most Burst × Every ahead.
	tat time.Time
}

func init() {
	subsystemFactories = append(subsystemFactories, func(h host) subsystem { return &connReq{h: h} })
}

// connReqSaved is connReq's saved state.
type connReqSaved struct {
	Path string `json:"path"`
}

func (c *connReq) register(*cwmp.ServeMux) {}

func (c *connReq) saveState() (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" {
		return nil, nil
	}
	return json.Marshal(connReqSaved{Path: c.path})
}

func (c *connReq) restoreState(data json.RawMessage) error {
	if data == nil {
		return nil
	}
	var st connReqSaved
	if err := json.Unmarshal(data, &st); err != nil {
		return err
	}
	if !validConnReqPath(st.Path) {
		return fmt.Errorf("connection-request path %q is not %d hex digits", st.Path, 2*connReqPathBytes)
	}
	c.mu.Lock()
	c.path = st.Path
	c.mu.Unlock()
	return nil
}

// factoryReset keeps the path: the listener and its address are the
// device's, not its configuration; the new tree is told the URL again.
func (c *connReq) factoryReset() {
	c.mu.Lock()
	url := c.url
	c.tat = time.Time{}
	c.mu.Unlock()
	if url != "" {
		if err := setConnReqURL(c.h, url); err != nil {
			c.h.log().Error("connection-request URL after factory reset", "err", err)
		}
	}
}

// connReqOf returns a's connReq subsystem.
func (a *Agent) connReqOf() *connReq {
	for _, s := range a.subsystems {
		if c, ok := s.(*connReq); ok {
			return c
		}
	}
	return nil
}

// connReqKey carries the *connReq of a request to the Authenticator's
// Password callback.
type connReqKey struct{}

// NewConnReqServer returns a server with no agents that is not listening:
// Add agents, and Listen or Start (in either order).
func NewConnReqServer(cfg ConnReqConfig) *ConnReqServer {
	if cfg.Realm == "" {
		cfg.Realm = DefaultConnReqRealm
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultConnReqBurst
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultConnReqEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &ConnReqServer{cfg: cfg, agents: make(map[string]*connReq)}
	s.auth = cwmp.Authenticator{
		Realm:    cfg.Realm,
		Digest:   true,
		Basic:    cfg.Basic,
		Password: connReqPassword,
	}
	return s
}

// Add serves a's connection requests, at the path saved in its state or a
// new random one, and once the server listens writes the URL into a's
// ManagementServer.ConnectionRequestURL (a change the ACS hears of: the
// parameter's notification is active by default). It returns that URL, ""
// before Listen or Start. An agent is served by one server at a time.
func (s *ConnReqServer) Add(a *Agent) (string, error) {
	c := a.connReqOf()
	if c == nil {
		return "", errors.New("cpe: agent has no connection-request subsystem")
	}
	return s.add(c)
}

// Remove stops serving a's connection requests: its path gets 404 from now
// on. The tree keeps its URL, which the next Add (after a restart, say)
// serves again.
func (s *ConnReqServer) Remove(a *Agent) {
	if c := a.connReqOf(); c != nil {
		s.remove(c)
	}
}

func (s *ConnReqServer) add(c *connReq) (string, error) {
	s.mu.Lock()
	c.mu.Lock()
	if c.srv != nil {
		c.mu.Unlock()
		s.mu.Unlock()
		return "", errors.New("cpe: agent's connection requests are already served")
	}
	fresh := c.path == ""
	if fresh {
		c.path = newConnReqPath()
	}
	if _, dup := s.agents[c.path]; dup {
		// Only two agents restored from one state file get here.
		c.mu.Unlock()
		s.mu.Unlock()
		return "", fmt.Errorf("cpe: connection-request path %s is already served for another agent", c.path)
	}
	c.srv = s
	s.agents[c.path] = c
	path, base := c.path, s.baseURL
	c.mu.Unlock()
	s.mu.Unlock()

	if fresh {
		c.h.changed() // the path is saved state
	}
	if base == "" {
		return "", nil
	}
	return c.setURL(base + "/" + path)
}

// setURL writes url into the agent's tree and remembers it.
func (c *connReq) setURL(url string) (string, error) {
	if err := setConnReqURL(c.h, url); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.url = url
	c.mu.Unlock()
	return url, nil
}

func (s *ConnReqServer) remove(c *connReq) {
	s.mu.Lock()
	c.mu.Lock()
	if c.srv == s {
		delete(s.agents, c.path)
		c.srv, c.url = nil, ""
	}
	c.mu.Unlock()
	s.mu.Unlock()
}

// newConnReqPath returns a fresh random path.
func newConnReqPath() string {
	b := make([]byte, connReqPathBytes)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// validConnReqPath reports whether p is a path newConnReqPath could have
// made.
func validConnReqPath(p string) bool {
	b, err := hex.DecodeString(p)
	return err == nil && len(b) == connReqPathBytes && p == strings.ToLower(p)
}

// Listen listens on addr ("127.0.0.1:0", ":7547") and serves in the
// background until Close, like Start.
func (s *ConnReqServer) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cpe: connection-request listener: %w", err)
	}
	if err := s.Start(ln); err != nil {
		ln.Close()
		return err
	}
	return nil
}

// Start serves connection requests on ln in a goroutine until Close, and
// writes the URL of every agent added so far into its tree (agents added
// later get theirs from Add). A server starts once.
func (s *ConnReqServer) Start(ln net.Listener) error {
	base, err := connReqBaseURL(ln.Addr(), s.cfg.URLHost)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: connReqReadHeaderTimeout,
		ReadTimeout:       connReqReadTimeout,
		WriteTimeout:      connReqWriteTimeout,
		IdleTimeout:       connReqIdleTimeout,
		MaxHeaderBytes:    connReqMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return errors.New("cpe: connection-request server is closed")
	case s.srv != nil:
		s.mu.Unlock()
		return errors.New("cpe: connection-request server already started")
	}
	s.srv, s.ln, s.baseURL = srv, ln, base
	s.served = make(chan struct{})
	type entry struct {
		c    *connReq
		path string
	}
	agents := make([]entry, 0, len(s.agents))
	for path, c := range s.agents {
		agents = append(agents, entry{c, path})
	}
	s.mu.Unlock()

	go func() {
		defer close(s.served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("connection-request listener stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	var errs []error
	for _, e := range agents {
		_, err := e.c.setURL(base + "/" + e.path)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Addr returns the address the server listens on, nil before Start.
func (s *ConnReqServer) Addr() net.Addr {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops the listener, lets the requests in progress finish (for up
// to 5 s, then cuts them off), and returns once the serving goroutine has.
// The agents' trees keep their URLs; nothing serves them any more.
func (s *ConnReqServer) Close() error {
	s.mu.Lock()
	srv, served := s.srv, s.served
	s.closed = true
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), connReqShutdown)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = srv.Close()
	}
	<-served
	return err
}

// ServeHTTP answers one connection request.
func (s *ConnReqServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	c := s.agents[strings.TrimPrefix(r.URL.Path, "/")]
	s.mu.RUnlock()
	if c == nil {
		// The same answer whether or not the path ever existed.
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	log := c.h.log().With("remote", r.RemoteAddr)
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed: a connection request is a GET", http.StatusMethodNotAllowed)
		log.Debug("connection request refused", "method", r.Method)
		return
	}
	// A body means nothing here; read a little so the connection can be
	// reused, and let MaxBytesReader close it if there is more.
	_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, connReqMaxBody))

	if _, err := s.auth.Authenticate(r.WithContext(context.WithValue(r.Context(), connReqKey{}, c))); err != nil {
		// The first GET of every Digest exchange has no credentials.
		if errors.Is(err, cwmp.ErrNoCredentials) {
			log.Debug("connection request challenged")
		} else {
			log.Warn("connection request not authenticated", "err", err)
		}
		s.auth.Challenge(w, err)
		return
	}
	if !c.allow(c.h.now(), s.cfg.Burst, s.cfg.Every) {
		// No Retry-After: TR-069 3.2.2 says the CPE SHOULD NOT send one.
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		log.Warn("connection request refused: rate limit", "burst", s.cfg.Burst, "every", s.cfg.Every)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	// The answer goes out before the session can start (3.2.2).
	_ = http.NewResponseController(w).Flush()
	log.Info("connection request accepted")
	c.h.addEvent(cwmp.EventConnectionRequest, "")
	c.h.wake()
}

// allow reports whether the agent accepts a connection request at now, and
// if so spends a token. burst < 0 means no limit.
func (c *connReq) allow(now time.Time, burst int, every time.Duration) bool {
	if burst < 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tat := c.tat
	if tat.Before(now) {
		tat = now
	}
	tat = tat.Add(every)
	if tat.Sub(now) > time.Duration(burst)*every {
		return false
	}
	c.tat = tat
	return true
}

// connReqPassword is the Authenticator's Password callback: the tree's
// ConnectionRequestUsername and ConnectionRequestPassword, read now.
func connReqPassword(ctx context.Context, username string) (string, bool) {
	c, _ := ctx.Value(connReqKey{}).(*connReq)
	if c == nil {
		return "", false
	}
	tr := c.h.tree()
	ms := tr.Model().Root.Path + "ManagementServer."
	user, _, err := tr.Get(ms + "ConnectionRequestUsername")
	if err != nil || user == "" {
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(user), []byte(username)) != 1 {
		return "", false
	}
	pass, _, err := tr.Get(ms + "ConnectionRequestPassword")
	if err != nil {
		return "", false
	}
	return pass, true
}

// setConnReqURL writes url into the tree's ConnectionRequestURL, as the
// device (the parameter is read-only to the ACS).
func setConnReqURL(h host, url string) error {
	tr := h.tree()
	p := tr.Model().Root.Path + "ManagementServer.ConnectionRequestURL"
	if err := tr.Set(p, url); err != nil {
		return fmt.Errorf("cpe: set %s: %w", p, err)
	}
	h.changed()
	return nil
}

// connReqBaseURL returns "http://host:port" for a listener at addr, with
// the host (and port, if it has one) of urlHost when set.
func connReqBaseURL(addr net.Addr, urlHost string) (string, error) {
	lhost, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "", fmt.Errorf("cpe: connection-request listener address %q: %w", addr, err)
	}
	host := urlHost
	switch {
	case host != "":
		if h, p, err := net.SplitHostPort(host); err == nil {
			host, port = h, p
		} else {
			host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		}
	case lhost == "" || net.ParseIP(lhost) != nil && net.ParseIP(lhost).IsUnspecified():
		host = firstHostIP()
	default:
		host = lhost
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// firstHostIP returns the first global unicast address of the host's
// interfaces, IPv4 first, or 127.0.0.1 when there is none.
func firstHostIP() string {
	addrs, _ := net.InterfaceAddrs()
	var v6 string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || !n.IP.IsGlobalUnicast() {
			continue
		}
		if n.IP.To4() != nil {
			return n.IP.String()
		}
		if v6 == "" {
			v6 = n.IP.String()
		}
	}
	if v6 != "" {
		return v6
	}
	return "127.0.0.1"
}
