package cwmp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// HTTP authentication for both CWMP roles (TR-069 CWMP sessions and
// connection requests):
//
//   - Authenticator is the verifying side: the ACS checks CPEs on its CWMP
//     endpoint, and a CPE checks the ACS on its connection-request listener.
//   - ClientAuth and Transport are the answering side: a CPE answers the ACS's
//     401 on session POSTs, and the ACS answers a CPE's 401 on connection
//     request GETs.
//
// Digest follows RFC 7616 with qop=auth; MD5 is the default because deployed
// CPEs support nothing else. Basic (RFC 7617) is supported for TLS deployments.

// Errors returned by Authenticator.Authenticate. Each failure has its own
// sentinel so that callers can log and count the cause; none of them should be
// revealed to the peer (Challenge answers every one with the same 401, so an
// attacker cannot tell an unknown user from a wrong password).
var (
	// ErrNoCredentials means the request carried no Authorization header; it
	// is the normal first step of every challenge/response exchange.
	ErrNoCredentials = errors.New("cwmp: no credentials")
	// ErrMalformedCredentials means the Authorization header could not be
	// parsed or lacks a required field.
	ErrMalformedCredentials = errors.New("cwmp: malformed authorization header")
	// ErrUnsupportedScheme means the client used a scheme that is not enabled
	// (for example Basic when only Digest is accepted).
	ErrUnsupportedScheme = errors.New("cwmp: unsupported authentication scheme")
	// ErrUnknownUser means the Password callback does not know the user.
	ErrUnknownUser = errors.New("cwmp: unknown user")
	// ErrWrongPassword means the Basic password or the Digest response is
	// wrong.
	ErrWrongPassword = errors.New("cwmp: wrong password")
	// ErrStaleNonce means the Digest response was correct but the nonce has
	// expired or was not issued with our key; Challenge answers it with
	// stale=true so the client retries without asking for new credentials.
	ErrStaleNonce = errors.New("cwmp: stale nonce")
	// ErrNonceReplay means a Digest nonce count did not increase, i.e. the
	// request is a replay (or an out-of-order resend) of an earlier one.
	ErrNonceReplay = errors.New("cwmp: digest nonce count replayed")
	// ErrURIMismatch means the Digest uri parameter names another resource
	// than the request, so the response may have been captured elsewhere.
	ErrURIMismatch = errors.New("cwmp: digest uri does not match request")
	// ErrRealmMismatch means the Digest realm is not ours, usually a CPE
	// provisioned for another ACS.
	ErrRealmMismatch = errors.New("cwmp: digest realm mismatch")
	// ErrAlgorithmMismatch means the Digest algorithm is not the one offered.
	ErrAlgorithmMismatch = errors.New("cwmp: digest algorithm not offered")
	// ErrUnsupportedQOP means the Digest qop is missing (RFC 2069 style, see
	// Authenticator.AllowLegacyDigest) or is not "auth".
	ErrUnsupportedQOP = errors.New("cwmp: digest qop not supported")
)

// Errors returned by ClientAuth and Transport.
var (
	// ErrNoChallenge means a 401 carried no challenge this client can answer
	// (no Digest with a supported algorithm and qop, and no usable Basic).
	ErrNoChallenge = errors.New("cwmp: no supported authentication challenge")
	// ErrCredentialsRejected means the peer rejected credentials computed for
	// the very challenge it sent again, so retrying would loop.
	ErrCredentialsRejected = errors.New("cwmp: credentials rejected by peer")
	// ErrBodyNotReplayable means a request got a 401 but its body cannot be
	// sent again because Request.GetBody is nil; build requests with
	// http.NewRequest from a bytes.Reader, bytes.Buffer or strings.Reader,
	// or set GetBody, to make them retryable.
	ErrBodyNotReplayable = errors.New("cwmp: cannot retry request after 401: body is not replayable (Request.GetBody is nil)")
)

const (
	// DefaultNonceTTL is how long a Digest nonce stays valid when
	// Authenticator.NonceTTL is zero. A CWMP session rarely lasts longer;
	// a client holding an older nonce gets stale=true and retries once.
	DefaultNonceTTL = 5 * time.Minute
	// DefaultMaxTrackedNonces bounds the nonce-count replay table when
	// Authenticator.MaxTrackedNonces is zero. Each entry costs about 120
	// bytes (nonce string, map slot, eviction queue slot), so a full table
	// holds about 12 MB per Authenticator.
	DefaultMaxTrackedNonces = 100_000

	// authMaxHeaderLen rejects absurd Authorization headers before parsing.
	// Real Digest headers are a few hundred bytes.
	authMaxHeaderLen = 8 << 10
	// Nonce layout: 8 bytes issue time (Unix ns, big endian), 8 random bytes,
	// 16 bytes truncated HMAC-SHA256 over the first 16. 43 base64url chars,
	// short enough for CPEs with small fixed buffers.
	authNonceTSLen  = 8
	authNonceRndLen = 8
	authNonceMACLen = 16
	authNonceLen    = authNonceTSLen + authNonceRndLen + authNonceMACLen
	// authDummyPassword is hashed for unknown users so that they cost the
	// same as a wrong password; its value is irrelevant.
	authDummyPassword = "cwmp-dummy-password-for-unknown-users"
)

// Authenticator verifies HTTP Basic and/or Digest credentials on incoming
// requests. It is used by the ACS on its CWMP endpoint and by a CPE on its
// connection-request listener.
//
// Typical handler:
//
//	user, err := a.Authenticate(r)
//	if err != nil {
//		log(err)           // errors.Is(err, cwmp.ErrWrongPassword) etc.
//		a.Challenge(w, err)
//		return
//	}
//
// Configure the exported fields before first use and do not change them
// afterwards; the methods are then safe for concurrent use. An Authenticator
// must not be copied after first use.
type Authenticator struct {
	// Realm is sent in challenges and must be echoed by Digest clients.
	Realm string
	// Basic accepts HTTP Basic. Basic sends the password in clear, so enable
	// it only on TLS listeners (TR-069 only allows Basic together with TLS).
	Basic bool
	// Digest accepts HTTP Digest. If neither Basic nor Digest is set, Digest
	// is assumed, so the zero configuration is the safe one.
	Digest bool
	// Algorithm is the Digest algorithm offered and accepted: "MD5" (the
	// default when empty; the only one deployed CPEs implement) or "SHA-256".
	Algorithm string
	// AllowLegacyDigest accepts RFC 2069 Digest responses without qop, which
	// some old CPEs send. Such responses carry no nonce count, so a captured
	// request can be replayed until its nonce expires (NonceTTL).
	AllowLegacyDigest bool
	// Password returns the password for a user; ok=false for an unknown user.
	// It is called for every authentication attempt, with the request
	// context. Its own timing should not depend on whether the user exists,
	// or usernames can be enumerated despite the dummy digest computed here.
	Password func(ctx context.Context, username string) (password string, ok bool)
	// NonceKey is the HMAC key that makes nonces stateless and unforgeable.
	// When nil a random key is generated on first use, and nonces do not
	// survive a restart (clients then get one stale=true round trip). Set the
	// same key on every ACS node behind a load balancer so that they accept
	// each other's nonces. Use at least 32 random bytes.
	NonceKey []byte
	// NonceTTL is how long a nonce is valid; zero means DefaultNonceTTL.
	// An expired nonce with an otherwise correct response gets stale=true.
	NonceTTL time.Duration
	// MaxTrackedNonces bounds the in-memory table of last nonce counts used
	// for replay detection; zero means DefaultMaxTrackedNonces (about 120
	// bytes per entry). An entry is added per nonce actually used, so the
	// table only fills with more than this many sessions per NonceTTL. When
	// it is full the oldest entry is dropped, and any nonce issued no later
	// than a dropped live one is treated as stale, so eviction can cost
	// clients a retry but never enables a replay.
	// The table is per process: nodes sharing NonceKey do not share counts,
	// so a replay to another node is only stopped by nonce expiry.
	MaxTrackedNonces int

	// now overrides the clock in tests.
	now func() time.Time
	// testNonce is accepted as a fresh nonce, so tests can check published
	// vectors whose nonces were not issued with our key.
	testNonce string

	keyOnce sync.Once
	key     []byte

	mu        sync.Mutex
	ncs       map[string]authNonceUse // nonce -> last nonce count seen
	fifo      []string                // nonces in insertion order, for eviction
	fifoHead  int
	watermark int64 // issue time of the newest evicted live nonce
}

// authNonceUse is one entry of the replay table.
type authNonceUse struct {
	nc     int
	issued int64 // Unix ns, from the nonce itself
}

// digestEnabled reports whether Digest is accepted (explicitly, or because
// nothing was enabled).
func (a *Authenticator) digestEnabled() bool { return a.Digest || !a.Basic }

// algorithm returns the canonical configured Digest algorithm.
func (a *Authenticator) algorithm() (string, error) {
	switch {
	case a.Algorithm == "" || strings.EqualFold(a.Algorithm, "MD5"):
		return "MD5", nil
	case strings.EqualFold(a.Algorithm, "SHA-256"):
		return "SHA-256", nil
	}
	return "", fmt.Errorf("cwmp: Authenticator.Algorithm %q not supported (want MD5 or SHA-256)", a.Algorithm)
}

func (a *Authenticator) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

func (a *Authenticator) ttl() time.Duration {
	if a.NonceTTL > 0 {
		return a.NonceTTL
	}
	return DefaultNonceTTL
}

func (a *Authenticator) maxTracked() int {
	if a.MaxTrackedNonces > 0 {
		return a.MaxTrackedNonces
	}
	return DefaultMaxTrackedNonces
}

func (a *Authenticator) nonceKey() []byte {
	a.keyOnce.Do(func() {
		if len(a.NonceKey) > 0 {
			a.key = append([]byte(nil), a.NonceKey...)
			return
		}
		a.key = make([]byte, 32)
		_, _ = rand.Read(a.key) // never fails since Go 1.24
	})
	return a.key
}

// nonceMAC returns the truncated HMAC over the time and random parts.
func (a *Authenticator) nonceMAC(b []byte) []byte {
	m := hmac.New(sha256.New, a.nonceKey())
	m.Write(b[:authNonceTSLen+authNonceRndLen])
	return m.Sum(nil)[:authNonceMACLen]
}

// newNonce issues a stateless nonce: nothing is stored until a client uses it.
// Cost: one HMAC-SHA256 and 8 random bytes.
func (a *Authenticator) newNonce() string {
	var b [authNonceLen]byte
	binary.BigEndian.PutUint64(b[:authNonceTSLen], uint64(a.clock().UnixNano()))
	_, _ = rand.Read(b[authNonceTSLen : authNonceTSLen+authNonceRndLen])
	copy(b[authNonceTSLen+authNonceRndLen:], a.nonceMAC(b[:]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkNonce verifies a nonce's MAC and age and returns its issue time.
// All failures are ErrStaleNonce: they are only reported after the response
// has been verified, so the client knows the password and deserves a retry.
func (a *Authenticator) checkNonce(nonce string, now time.Time) (int64, error) {
	if a.testNonce != "" && nonce == a.testNonce {
		return now.UnixNano(), nil
	}
	if len(nonce) != base64.RawURLEncoding.EncodedLen(authNonceLen) {
		return 0, fmt.Errorf("%w: nonce not issued by this server", ErrStaleNonce)
	}
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != authNonceLen {
		return 0, fmt.Errorf("%w: nonce not issued by this server", ErrStaleNonce)
	}
	if !hmac.Equal(a.nonceMAC(b), b[authNonceTSLen+authNonceRndLen:]) {
		return 0, fmt.Errorf("%w: nonce not issued with this key", ErrStaleNonce)
	}
	issued := int64(binary.BigEndian.Uint64(b[:authNonceTSLen]))
	// Tolerate nonces from a peer node whose clock is ahead by up to a TTL.
	age := time.Duration(now.UnixNano() - issued)
	if ttl := a.ttl(); age > ttl || age < -ttl {
		return 0, fmt.Errorf("%w: nonce expired", ErrStaleNonce)
	}
	return issued, nil
}

// useNonce records nc for nonce and rejects counts that do not increase.
// Cost: one map operation under a mutex, plus amortised O(1) eviction.
func (a *Authenticator) useNonce(nonce string, issued int64, nc int, now time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u, ok := a.ncs[nonce]; ok {
		if nc <= u.nc {
			return fmt.Errorf("%w: nc %08x after %08x", ErrNonceReplay, nc, u.nc)
		}
		u.nc = nc
		a.ncs[nonce] = u
		return nil
	}
	if issued <= a.watermark {
		// Its history may have been evicted: insist on a fresh nonce.
		return fmt.Errorf("%w: nonce count history evicted", ErrStaleNonce)
	}
	if a.ncs == nil {
		a.ncs = make(map[string]authNonceUse)
	}
	ttl, limit, t := a.ttl().Nanoseconds(), a.maxTracked(), now.UnixNano()
	for a.fifoHead < len(a.fifo) {
		k := a.fifo[a.fifoHead]
		u := a.ncs[k]
		expired := t-u.issued > ttl
		if !expired && len(a.ncs) < limit {
			break
		}
		if !expired && u.issued > a.watermark {
			a.watermark = u.issued
		}
		delete(a.ncs, k)
		a.fifo[a.fifoHead] = ""
		a.fifoHead++
	}
	if a.fifoHead > 1024 && a.fifoHead*2 > len(a.fifo) {
		n := copy(a.fifo, a.fifo[a.fifoHead:])
		clear(a.fifo[n:])
		a.fifo, a.fifoHead = a.fifo[:n], 0
	}
	a.ncs[nonce] = authNonceUse{nc: nc, issued: issued}
	a.fifo = append(a.fifo, nonce)
	return nil
}

// Authenticate verifies the request's Authorization header and returns the
// authenticated username. On failure the error wraps one of the Err*
// sentinels above (or reports a configuration error); pass it to Challenge.
//
// Digest checks, in order: syntax, realm, algorithm, qop, uri, response,
// then nonce MAC/age and nonce count. The response is checked before the
// nonce, so only a client that knows the password learns that its nonce is
// stale. Unknown users cost the same as wrong passwords: a dummy digest (or
// Basic hash) is computed and compared in constant time.
func (a *Authenticator) Authenticate(r *http.Request) (username string, err error) {
	alg, err := a.algorithm()
	if err != nil {
		return "", err
	}
	if a.Password == nil {
		return "", errors.New("cwmp: Authenticator.Password is nil")
	}
	vals := r.Header.Values("Authorization")
	switch {
	case len(vals) == 0:
		return "", ErrNoCredentials
	case len(vals) > 1:
		return "", fmt.Errorf("%w: several Authorization headers", ErrMalformedCredentials)
	}
	h := strings.Trim(vals[0], " \t")
	if h == "" {
		return "", ErrNoCredentials
	}
	if len(h) > authMaxHeaderLen {
		return "", fmt.Errorf("%w: header longer than %d bytes", ErrMalformedCredentials, authMaxHeaderLen)
	}
	scheme, rest, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Digest"):
		if !a.digestEnabled() {
			return "", fmt.Errorf("%w: Digest", ErrUnsupportedScheme)
		}
		return a.authDigest(r, h, alg)
	case strings.EqualFold(scheme, "Basic"):
		if !a.Basic {
			return "", fmt.Errorf("%w: Basic", ErrUnsupportedScheme)
		}
		return a.authBasic(r, rest)
	}
	return "", ErrUnsupportedScheme
}

func (a *Authenticator) authBasic(r *http.Request, token string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Trim(token, " \t"))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformedCredentials, err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", fmt.Errorf("%w: Basic credentials without ':'", ErrMalformedCredentials)
	}
	want, known := a.Password(r.Context(), user)
	if !known {
		want = authDummyPassword
	}
	// Compare hashes so that the comparison time does not leak the length.
	g, w := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(want))
	match := subtle.ConstantTimeCompare(g[:], w[:]) == 1
	switch {
	case !known:
		return "", ErrUnknownUser
	case !match:
		return "", ErrWrongPassword
	}
	return user, nil
}

func (a *Authenticator) authDigest(r *http.Request, h, alg string) (string, error) {
	c, err := digest.ParseCredentials(h)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformedCredentials, err)
	}
	switch {
	case c.Username == "", c.Nonce == "", c.URI == "", c.Response == "":
		return "", fmt.Errorf("%w: missing username, nonce, uri or response", ErrMalformedCredentials)
	case c.Userhash:
		return "", fmt.Errorf("%w: userhash was not offered", ErrMalformedCredentials)
	case c.Realm != a.Realm:
		return "", fmt.Errorf("%w: %q", ErrRealmMismatch, c.Realm)
	case !(c.Algorithm == "" && alg == "MD5") && !strings.EqualFold(c.Algorithm, alg):
		return "", fmt.Errorf("%w: %q", ErrAlgorithmMismatch, c.Algorithm)
	}
	qop := strings.ToLower(c.QOP)
	switch qop {
	case "auth":
		if c.Cnonce == "" || c.Nc <= 0 {
			return "", fmt.Errorf("%w: qop=auth without cnonce or nc", ErrMalformedCredentials)
		}
	case "":
		if !a.AllowLegacyDigest {
			return "", fmt.Errorf("%w: qop=auth required", ErrUnsupportedQOP)
		}
	default:
		return "", fmt.Errorf("%w: %q", ErrUnsupportedQOP, c.QOP)
	}
	if !authURIMatches(c.URI, r) {
		return "", fmt.Errorf("%w: %q", ErrURIMismatch, c.URI)
	}

	pw, known := a.Password(r.Context(), c.Username)
	if !known {
		pw = authDummyPassword
	}
	chal := &digest.Challenge{Realm: a.Realm, Nonce: c.Nonce, Algorithm: c.Algorithm}
	if qop == "auth" {
		chal.QOP = []string{"auth"}
	}
	// Cost: three MD5 or SHA-256 hashes, the same for known and unknown users.
	want, err := digest.Digest(chal, digest.Options{
		Method:   r.Method,
		URI:      c.URI,
		Count:    c.Nc,
		Cnonce:   c.Cnonce,
		Username: c.Username,
		Password: pw,
	})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformedCredentials, err)
	}
	match := subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(c.Response))) == 1
	switch {
	case !known:
		return "", ErrUnknownUser
	case !match:
		return "", ErrWrongPassword
	}

	now := a.clock()
	issued, err := a.checkNonce(c.Nonce, now)
	if err != nil {
		return "", err
	}
	if qop == "auth" {
		if err := a.useNonce(c.Nonce, issued, c.Nc, now); err != nil {
			return "", err
		}
	}
	return c.Username, nil
}

// authURIMatches reports whether a Digest uri names the request's target:
// exact match with the request line, or the same path and query, so that
// clients sending the absolute form (or talking through a proxy) work. The
// host is not compared; the nonce already binds the response to this server.
func authURIMatches(credURI string, r *http.Request) bool {
	target := r.RequestURI
	if target == "" && r.URL != nil {
		target = r.URL.RequestURI()
	}
	if credURI == target {
		return true
	}
	cu, err := url.ParseRequestURI(credURI)
	if err != nil {
		return false
	}
	ru, err := url.ParseRequestURI(target)
	if err != nil {
		return false
	}
	path := func(u *url.URL) string {
		if p := u.EscapedPath(); p != "" {
			return p
		}
		return "/"
	}
	return path(cu) == path(ru) && cu.RawQuery == ru.RawQuery
}

// Challenge answers a failed Authenticate with 401 Unauthorized and a
// WWW-Authenticate header per enabled scheme: Digest first (fresh nonce,
// qop="auth", the configured algorithm), then Basic. stale=true is set when
// err is ErrStaleNonce or ErrNonceReplay, both of which are reported only
// after a correct response, so the client retries with the new nonce without
// prompting for credentials. err may be nil. A misconfigured Authenticator
// (bad Algorithm) gets 500 instead, since no valid challenge can be built.
func (a *Authenticator) Challenge(w http.ResponseWriter, err error) {
	alg, cerr := a.algorithm()
	if cerr != nil {
		http.Error(w, "authentication misconfigured", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if a.digestEnabled() {
		c := digest.Challenge{
			Realm:     a.Realm,
			Nonce:     a.newNonce(),
			Algorithm: alg,
			QOP:       []string{"auth"},
			Stale:     errors.Is(err, ErrStaleNonce) || errors.Is(err, ErrNonceReplay),
		}
		h.Add("WWW-Authenticate", c.String())
	}
	if a.Basic {
		h.Add("WWW-Authenticate", "Basic realm="+authQuote(a.Realm))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// authQuote renders s as an HTTP quoted-string.
func authQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// ClientAuth answers HTTP authentication challenges for one peer and reuses a
// Digest challenge across the requests of a session (incrementing nc), as CPEs
// do within a CWMP session, so that only the first request of a session costs
// an extra round trip. Use one ClientAuth per peer (per ACS URL on a CPE, per
// CPE on an ACS) and call Reset when a new session starts. It is safe for
// concurrent use.
type ClientAuth struct {
	// Username and Password are the credentials sent to the peer.
	Username string
	Password string
	// DisableBasic refuses Basic challenges. Basic sends the password in
	// clear, and a man in the middle on plain HTTP can offer only Basic to
	// harvest it; set this unless the peer is reached over TLS or is known
	// to support nothing else.
	DisableBasic bool

	mu     sync.Mutex
	digest *digest.Challenge // current Digest challenge, never mutated
	basic  bool              // answer with Basic
	nc     int               // nonce count used with digest
}

// Authorize adds an Authorization header to req if a challenge is known,
// i.e. preemptively for every request after the first 401 of a session. For
// Digest it increments the nonce count atomically. It modifies req, so do
// not call it on a request owned by an http.RoundTripper (Transport clones).
func (c *ClientAuth) Authorize(req *http.Request) error {
	c.mu.Lock()
	chal, basic := c.digest, c.basic
	nc := 0
	if chal != nil {
		c.nc++
		nc = c.nc
	}
	c.mu.Unlock()
	switch {
	case chal != nil:
		if chal.SupportsQOP("auth-int") && req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
			return fmt.Errorf("%w: qop=auth-int must hash the body", ErrBodyNotReplayable)
		}
		// Cost: three hashes; qop=auth-int (only when the peer offers no
		// "auth") also reads the whole body once more through GetBody.
		cred, err := digest.Digest(chal, digest.Options{
			Method:   req.Method,
			URI:      req.URL.RequestURI(),
			GetBody:  req.GetBody,
			Count:    nc,
			Username: c.Username,
			Password: c.Password,
		})
		if err != nil {
			return fmt.Errorf("cwmp: computing digest response: %w", err)
		}
		req.Header.Set("Authorization", cred.String())
	case basic:
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password)))
	}
	return nil
}

// Challenge learns from a 401 response: the first supported Digest challenge
// wins (MD5, SHA-256, SHA-512-256 or SHA-512; qop auth preferred over
// auth-int, none means RFC 2069), else Basic unless DisableBasic. retry
// reports whether resending the request with Authorize can succeed. It is
// false, with ErrCredentialsRejected, when resp.Request already carried
// credentials of the same scheme and the new challenge is not stale (RFC 7616:
// a non-stale 401 means the credentials are wrong), or stale but with the same
// nonce; and false with ErrNoChallenge when nothing usable was offered (the
// known challenge is then forgotten). After a rejection the new challenge is
// kept, so a corrected Password works on the next request without another
// round trip. Responses other than 401 are ignored (false, nil). resp.Request
// must be the request that got the 401 (as http.Transport sets it); without
// it every 401 looks like a first challenge, so bound retries yourself.
//
// Challenges from sloppy devices are accepted: lowercase scheme names,
// unquoted values, qop lists with spaces or unquoted, several headers, and
// several challenges in one header line.
func (c *ClientAuth) Challenge(resp *http.Response) (retry bool, err error) {
	if resp == nil || resp.StatusCode != http.StatusUnauthorized {
		return false, nil
	}
	chal, basic := authParseChallenges(resp.Header.Values("WWW-Authenticate"))
	if c.DisableBasic {
		basic = false
	}
	var sent string
	if resp.Request != nil {
		sent = strings.Trim(resp.Request.Header.Get("Authorization"), " \t")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.digest, c.basic, c.nc = nil, false, 0
	switch {
	case chal != nil:
		c.digest = chal
		if digest.IsDigest(sent) {
			if prev, err := digest.ParseCredentials(sent); err == nil && (!chal.Stale || prev.Nonce == chal.Nonce) {
				return false, ErrCredentialsRejected
			}
		}
		return true, nil
	case basic:
		c.basic = true
		if scheme, _, _ := strings.Cut(sent, " "); strings.EqualFold(scheme, "Basic") {
			return false, ErrCredentialsRejected
		}
		return true, nil
	}
	return false, ErrNoChallenge
}

// Reset forgets the current challenge, so the next request is sent without
// credentials and learns a fresh one. Call it when a new session starts.
func (c *ClientAuth) Reset() {
	c.mu.Lock()
	c.digest, c.basic, c.nc = nil, false, 0
	c.mu.Unlock()
}

// Transport is an http.RoundTripper that applies a ClientAuth: it authorizes
// each request preemptively when a challenge is known and, after a 401 the
// ClientAuth can answer, retries exactly once. The retry replays the body via
// req.GetBody; a request with a body but no GetBody is not retried and fails
// with ErrBodyNotReplayable. When no retry is possible (wrong credentials, no
// supported scheme) the 401 response itself is returned. Cookies set on the
// 401 are not applied to the retry (an http.Client's Jar sits above the
// RoundTripper).
type Transport struct {
	// Auth holds the credentials and session challenge; required.
	Auth *ClientAuth
	// Base performs the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}
	if t.Auth == nil {
		closeBody()
		return nil, errors.New("cwmp: Transport.Auth is nil")
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	first := req.Clone(req.Context())
	if err := t.Auth.Authorize(first); err != nil {
		closeBody()
		return nil, err
	}
	resp, err := base.RoundTrip(first) // closes req.Body
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if retry, _ := t.Auth.Challenge(resp); !retry {
		return resp, nil
	}
	second := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			_ = resp.Body.Close()
			return nil, ErrBodyNotReplayable
		}
		body, err := req.GetBody()
		if err != nil {
			_ = resp.Body.Close()
			return nil, fmt.Errorf("cwmp: replaying request body after 401: %w", err)
		}
		second.Body = body
	}
	if err := t.Auth.Authorize(second); err != nil {
		_ = resp.Body.Close()
		if second.Body != nil {
			_ = second.Body.Close()
		}
		return nil, err
	}
	// Drain a little of the 401 body so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return base.RoundTrip(second)
}

// authRawChallenge is one challenge found in WWW-Authenticate headers.
type authRawChallenge struct {
	scheme string
	params map[string]string // lowercased keys; the last duplicate wins
}

// authParseChallenges returns the first answerable Digest challenge (nil if
// none) and whether Basic was offered. Cost: linear in the header size.
func authParseChallenges(values []string) (*digest.Challenge, bool) {
	var found *digest.Challenge
	basic := false
	for _, v := range values {
		for _, rc := range authSplitChallenges(v) {
			switch {
			case strings.EqualFold(rc.scheme, "Basic"):
				basic = true
			case strings.EqualFold(rc.scheme, "Digest") && found == nil:
				found = authDigestChallenge(rc.params)
			}
		}
	}
	return found, basic
}

// authDigestChallenge turns tolerant-parsed Digest parameters into a
// digest.Challenge: it re-serialises the known parameters in canonical quoted
// form for digest.ParseChallenge (whose own parser rejects unquoted values
// with characters such as '/' or '.' and several challenges per line), then
// normalises qop. It returns nil when the challenge cannot be answered.
func authDigestChallenge(params map[string]string) *digest.Challenge {
	var b strings.Builder
	b.WriteString(digest.Prefix)
	n := 0
	for _, k := range []string{"realm", "domain", "nonce", "opaque", "stale", "algorithm", "qop", "charset", "userhash"} {
		v, ok := params[k]
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString(k + "=" + authQuote(v))
	}
	chal, err := digest.ParseChallenge(b.String())
	if err != nil || chal.Nonce == "" {
		return nil
	}
	var qops []string
	for _, q := range chal.QOP {
		if q = strings.ToLower(strings.Trim(q, " \t")); q != "" {
			qops = append(qops, q)
		}
	}
	chal.QOP = qops
	switch {
	case chal.SupportsQOP("auth"):
		chal.QOP = []string{"auth"}
	case chal.SupportsQOP("auth-int"):
		chal.QOP = []string{"auth-int"}
	}
	if !digest.CanDigest(chal) {
		return nil
	}
	return chal
}

// authSplitChallenges tokenises one WWW-Authenticate value into challenges
// (RFC 9110 section 11.6.1), leniently: a token followed by '=' is a
// parameter of the current challenge, any other token starts a new challenge,
// except bare "auth"/"auth-int" right after a qop parameter, which continue an
// unquoted qop list (qop=auth,auth-int). Bytes that fit nowhere are skipped;
// an unterminated quoted string drops the challenge it belongs to and ends
// parsing. Token68 credentials (Negotiate) are not interpreted.
func authSplitChallenges(s string) []authRawChallenge {
	var out []authRawChallenge
	cur, lastKey := -1, ""
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' }
	i := 0
	for i < len(s) {
		ch := s[i]
		if isSpace(ch) || ch == ',' || !authIsTchar(ch) {
			i++
			continue
		}
		j := i
		for j < len(s) && authIsTchar(s[j]) {
			j++
		}
		tok := s[i:j]
		k := j
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		if k < len(s) && s[k] == '=' {
			k++
			for k < len(s) && isSpace(s[k]) {
				k++
			}
			var val string
			if k < len(s) && s[k] == '"' {
				v, end, ok := authReadQuoted(s, k)
				if !ok {
					if cur >= 0 {
						out = out[:cur]
					}
					return out
				}
				val, k = v, end
			} else {
				e := k
				for e < len(s) && s[e] != ',' && !isSpace(s[e]) {
					e++
				}
				val, k = s[k:e], e
			}
			if cur >= 0 {
				lastKey = strings.ToLower(tok)
				out[cur].params[lastKey] = val
			}
			i = k
			continue
		}
		if cur >= 0 && lastKey == "qop" && (strings.EqualFold(tok, "auth") || strings.EqualFold(tok, "auth-int")) {
			out[cur].params["qop"] += "," + tok
			i = j
			continue
		}
		out = append(out, authRawChallenge{scheme: tok, params: map[string]string{}})
		cur, lastKey = len(out)-1, ""
		i = j
	}
	return out
}

// authReadQuoted reads the quoted-string starting at s[i] == '"' and returns
// its unescaped value and the index after the closing quote.
func authReadQuoted(s string, i int) (string, int, bool) {
	var b strings.Builder
	for i++; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), i + 1, true
		case '\\':
			i++
			if i >= len(s) {
				return "", 0, false
			}
		}
		b.WriteByte(s[i])
	}
	return "", 0, false
}

// authIsTchar reports whether c is an RFC 9110 token character.
func authIsTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
