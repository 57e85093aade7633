package cwmp

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// authUsers is the user database of the test Authenticators.
func authUsers(ctx context.Context, user string) (string, bool) {
	switch user {
	case "cpe":
		return "secret", true
	}
	return "", false
}

// authServer is an httptest server protected by an Authenticator. It counts
// requests and 401s and records the errors and Authorization headers seen.
type authServer struct {
	*httptest.Server
	a *Authenticator

	requests atomic.Int32
	unauth   atomic.Int32

	mu      sync.Mutex
	errs    []error
	headers []string
	bodies  []string
}

func newAuthServer(t *testing.T, a *Authenticator) *authServer {
	t.Helper()
	if a.Password == nil {
		a.Password = authUsers
	}
	s := &authServer{a: a}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		user, err := a.Authenticate(r)
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Get("Authorization"))
		s.bodies = append(s.bodies, string(body))
		if err != nil {
			s.errs = append(s.errs, err)
		}
		s.mu.Unlock()
		if err != nil {
			s.unauth.Add(1)
			a.Challenge(w, err)
			return
		}
		fmt.Fprint(w, user)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *authServer) lastErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) == 0 {
		return nil
	}
	return s.errs[len(s.errs)-1]
}

func (s *authServer) errList() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

func (s *authServer) client(user, pass string) (*http.Client, *ClientAuth) {
	ca := &ClientAuth{Username: user, Password: pass}
	return &http.Client{Transport: &Transport{Auth: ca, Base: s.Client().Transport}}, ca
}

// authGet performs a GET and returns status and body.
func authGet(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAuthRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		a          *Authenticator
		user, pass string
		wantStatus int
		wantErr    error // last error recorded by the server
		wantReqs   int32
		wantScheme string
	}{
		{"digest md5", &Authenticator{Realm: "acs"}, "cpe", "secret", 200, ErrNoCredentials, 2, "Digest"},
		{"digest sha-256", &Authenticator{Realm: "acs", Digest: true, Algorithm: "SHA-256"}, "cpe", "secret", 200, ErrNoCredentials, 2, "Digest"},
		{"basic", &Authenticator{Realm: "acs", Basic: true}, "cpe", "secret", 200, ErrNoCredentials, 2, "Basic"},
		{"digest preferred over basic", &Authenticator{Realm: "acs", Basic: true, Digest: true}, "cpe", "secret", 200, ErrNoCredentials, 2, "Digest"},
		{"digest wrong password", &Authenticator{Realm: "acs"}, "cpe", "wrong", 401, ErrWrongPassword, 2, "Digest"},
		{"basic wrong password", &Authenticator{Realm: "acs", Basic: true}, "cpe", "wrong", 401, ErrWrongPassword, 2, "Basic"},
		{"digest unknown user", &Authenticator{Realm: "acs"}, "nobody", "secret", 401, ErrUnknownUser, 2, "Digest"},
		{"basic unknown user", &Authenticator{Realm: "acs", Basic: true}, "nobody", "secret", 401, ErrUnknownUser, 2, "Basic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAuthServer(t, tt.a)
			c, _ := s.client(tt.user, tt.pass)
			status, body := authGet(t, c, s.URL+"/acs?x=1")
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (server errors %v)", status, tt.wantStatus, s.errList())
			}
			if status == 200 && body != tt.user {
				t.Errorf("authenticated as %q, want %q", body, tt.user)
			}
			// Exactly one retry: no loop on rejected credentials.
			if n := s.requests.Load(); n != tt.wantReqs {
				t.Errorf("server saw %d requests, want %d", n, tt.wantReqs)
			}
			if err := s.lastErr(); !errors.Is(err, tt.wantErr) {
				t.Errorf("server error %v, want %v", err, tt.wantErr)
			}
			s.mu.Lock()
			last := s.headers[len(s.headers)-1]
			s.mu.Unlock()
			if !strings.HasPrefix(last, tt.wantScheme+" ") {
				t.Errorf("retry used %q, want scheme %s", last, tt.wantScheme)
			}
			if tt.a.Algorithm == "SHA-256" && !strings.Contains(last, "algorithm=SHA-256") {
				t.Errorf("retry %q does not use SHA-256", last)
			}
		})
	}
}

// TestAuthPublishedVectors checks hand-computed responses from RFC 2617
// section 3.5 and RFC 7616 section 3.9.1 through the verification path.
func TestAuthPublishedVectors(t *testing.T) {
	tests := []struct {
		name, alg, realm, nonce, cnonce, response string
	}{
		{"RFC 2617 3.5 MD5", "", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "6629fae49393a05397450978507c4ef1"},
		{"RFC 7616 3.9.1 MD5", "MD5", "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "8ca523f5e9506fed4657c9700eebdbec"},
		{"RFC 7616 3.9.1 SHA-256", "SHA-256", "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := func(user, response string) string {
				alg := ""
				if tt.alg != "" {
					alg = "algorithm=" + tt.alg + ", "
				}
				return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="/dir/index.html", %sqop=auth, nc=00000001, cnonce="%s", response="%s", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
					user, tt.realm, tt.nonce, alg, tt.cnonce, response)
			}
			a := &Authenticator{Realm: tt.realm, Algorithm: tt.alg, testNonce: tt.nonce}
			a.Password = func(ctx context.Context, u string) (string, bool) {
				if u == "Mufasa" {
					if strings.HasPrefix(tt.name, "RFC 7616") {
						return "Circle of Life", true
					}
					return "Circle Of Life", true
				}
				return "", false
			}
			r := httptest.NewRequest("GET", "/dir/index.html", nil)
			r.Header.Set("Authorization", header("Mufasa", tt.response))
			user, err := a.Authenticate(r)
			if err != nil || user != "Mufasa" {
				t.Fatalf("Authenticate = %q, %v; want Mufasa", user, err)
			}
			// A single flipped digit must fail.
			bad := []byte(tt.response)
			bad[0] ^= 1
			r.Header.Set("Authorization", header("Mufasa", string(bad)))
			if _, err := a.Authenticate(r); !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("flipped response: %v, want ErrWrongPassword", err)
			}
			// Without the test hook the RFC nonce is foreign: a correct
			// response gets stale, never success.
			a2 := &Authenticator{Realm: tt.realm, Algorithm: tt.alg, Password: a.Password}
			r.Header.Set("Authorization", header("Mufasa", tt.response))
			if _, err := a2.Authenticate(r); !errors.Is(err, ErrStaleNonce) {
				t.Fatalf("foreign nonce: %v, want ErrStaleNonce", err)
			}
		})
	}
}

// authChallengeFor fetches a fresh Digest challenge from a.
func authChallengeFor(t *testing.T, a *Authenticator, err error) (*digest.Challenge, http.Header) {
	t.Helper()
	w := httptest.NewRecorder()
	a.Challenge(w, err)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("Challenge wrote %d, want 401", w.Code)
	}
	chal, err := digest.FindChallenge(w.Header())
	if err != nil {
		t.Fatalf("no digest challenge in %v: %v", w.Header(), err)
	}
	return chal, w.Header()
}

// authDigestHeader computes an Authorization header answering chal.
func authDigestHeader(t *testing.T, chal *digest.Challenge, method, uri, user, pass string, nc int) string {
	t.Helper()
	cred, err := digest.Digest(chal, digest.Options{Method: method, URI: uri, Count: nc, Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func authTry(a *Authenticator, method, target, header string) (string, error) {
	r := httptest.NewRequest(method, target, nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return a.Authenticate(r)
}

func TestAuthChallengeHeaders(t *testing.T) {
	a := &Authenticator{Realm: `my "acs"`, Basic: true, Digest: true, Password: authUsers}
	chal, h := authChallengeFor(t, a, ErrNoCredentials)
	vals := h.Values("WWW-Authenticate")
	if len(vals) != 2 || !strings.HasPrefix(vals[0], "Digest ") || vals[1] != `Basic realm="my \"acs\""` {
		t.Fatalf("WWW-Authenticate = %q, want Digest then Basic", vals)
	}
	if chal.Realm != `my "acs"` || chal.Algorithm != "MD5" || !chal.SupportsQOP("auth") || chal.Stale {
		t.Errorf("challenge %+v: want realm, MD5, qop=auth, not stale", chal)
	}
	if chal2, _ := authChallengeFor(t, a, nil); chal2.Nonce == chal.Nonce {
		t.Error("two challenges share a nonce")
	}
	for _, err := range []error{ErrStaleNonce, fmt.Errorf("%w: expired", ErrStaleNonce), ErrNonceReplay} {
		if c, _ := authChallengeFor(t, a, err); !c.Stale {
			t.Errorf("Challenge(%v) not stale", err)
		}
	}
	if c, _ := authChallengeFor(t, a, ErrWrongPassword); c.Stale {
		t.Error("Challenge(ErrWrongPassword) is stale")
	}
	// Basic only: no Digest offered.
	w := httptest.NewRecorder()
	(&Authenticator{Realm: "r", Basic: true}).Challenge(w, nil)
	if v := w.Header().Values("WWW-Authenticate"); len(v) != 1 || v[0] != `Basic realm="r"` {
		t.Errorf("basic-only WWW-Authenticate = %q", v)
	}
	// Misconfiguration is a 500, not a bogus challenge.
	w = httptest.NewRecorder()
	(&Authenticator{Realm: "r", Algorithm: "MD5-sess"}).Challenge(w, nil)
	if w.Code != http.StatusInternalServerError {
		t.Errorf("bad algorithm: status %d, want 500", w.Code)
	}
	if _, err := authTry(&Authenticator{Realm: "r", Algorithm: "SHA-1", Password: authUsers}, "GET", "/", ""); err == nil || !strings.HasPrefix(err.Error(), "cwmp: ") {
		t.Errorf("bad algorithm: Authenticate error %v", err)
	}
}

func TestAuthStaleNonceTransparentRetry(t *testing.T) {
	var skew atomic.Int64
	a := &Authenticator{Realm: "acs", NonceTTL: time.Minute}
	a.now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	s := newAuthServer(t, a)
	c, _ := s.client("cpe", "secret")
	if status, _ := authGet(t, c, s.URL+"/"); status != 200 {
		t.Fatalf("first request: %d", status)
	}
	skew.Store(int64(2 * time.Minute)) // the session's nonce has now expired
	if status, _ := authGet(t, c, s.URL+"/"); status != 200 {
		t.Fatalf("request after expiry: %d (errors %v)", status, s.errList())
	}
	if err := s.lastErr(); !errors.Is(err, ErrStaleNonce) {
		t.Fatalf("server error %v, want ErrStaleNonce", err)
	}
	// 1st: no credentials → 401, retry → 200; 2nd: stale → 401, retry → 200.
	if n, u := s.requests.Load(), s.unauth.Load(); n != 4 || u != 2 {
		t.Errorf("requests=%d 401s=%d, want 4 and 2", n, u)
	}
	// A wrong password with an expired nonce is reported as wrong, not stale.
	chal, _ := authChallengeFor(t, a, nil)
	skew.Store(int64(4 * time.Minute))
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, chal, "GET", "/", "cpe", "nope", 1)); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("expired nonce + wrong password: %v, want ErrWrongPassword", err)
	}
	// Clock skew between nodes within a TTL is tolerated: this nonce was
	// issued at +2m and is checked at +1m30s, i.e. 30s in the future.
	skew.Store(int64(2*time.Minute) - int64(30*time.Second))
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, chal, "GET", "/", "cpe", "secret", 1)); err != nil {
		t.Errorf("nonce issued 30s in the future: %v", err)
	}
	// But a nonce from further in the future than a TTL is not.
	chal, _ = authChallengeFor(t, a, nil)
	skew.Store(0)
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, chal, "GET", "/", "cpe", "secret", 1)); !errors.Is(err, ErrStaleNonce) {
		t.Errorf("nonce issued 2m in the future: %v, want ErrStaleNonce", err)
	}
}

func TestAuthReplayedNonceCount(t *testing.T) {
	a := &Authenticator{Realm: "acs", Password: authUsers}
	chal, _ := authChallengeFor(t, a, nil)
	h1 := authDigestHeader(t, chal, "POST", "/acs", "cpe", "secret", 1)
	if _, err := authTry(a, "POST", "/acs", h1); err != nil {
		t.Fatalf("nc=1: %v", err)
	}
	if _, err := authTry(a, "POST", "/acs", h1); !errors.Is(err, ErrNonceReplay) {
		t.Fatalf("replayed nc=1: %v, want ErrNonceReplay", err)
	}
	if _, err := authTry(a, "POST", "/acs", authDigestHeader(t, chal, "POST", "/acs", "cpe", "secret", 3)); err != nil {
		t.Fatalf("nc=3: %v", err)
	}
	if _, err := authTry(a, "POST", "/acs", authDigestHeader(t, chal, "POST", "/acs", "cpe", "secret", 2)); !errors.Is(err, ErrNonceReplay) {
		t.Fatalf("nc=2 after 3: %v, want ErrNonceReplay", err)
	}
	// A replay by someone without the password is just a wrong password.
	bad := authDigestHeader(t, chal, "POST", "/acs", "cpe", "guess", 4)
	if _, err := authTry(a, "POST", "/acs", bad); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestAuthNonceTableBound(t *testing.T) {
	a := &Authenticator{Realm: "acs", Password: authUsers, MaxTrackedNonces: 2}
	var chals []*digest.Challenge
	for range 3 {
		c, _ := authChallengeFor(t, a, nil)
		chals = append(chals, c)
	}
	for i, c := range chals {
		if _, err := authTry(a, "GET", "/", authDigestHeader(t, c, "GET", "/", "cpe", "secret", 1)); err != nil {
			t.Fatalf("nonce %d: %v", i, err)
		}
	}
	a.mu.Lock()
	n := len(a.ncs)
	a.mu.Unlock()
	if n != 2 {
		t.Errorf("tracked %d nonces, want 2", n)
	}
	// The first nonce was evicted: replaying it must not be accepted as a
	// first use; it is stale instead.
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, chals[0], "GET", "/", "cpe", "secret", 1)); !errors.Is(err, ErrStaleNonce) {
		t.Errorf("evicted nonce replay: %v, want ErrStaleNonce", err)
	}
	// The still-tracked ones keep replay protection.
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, chals[2], "GET", "/", "cpe", "secret", 1)); !errors.Is(err, ErrNonceReplay) {
		t.Errorf("tracked nonce replay: %v, want ErrNonceReplay", err)
	}
	// A nonce issued after the eviction works.
	c, _ := authChallengeFor(t, a, nil)
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, c, "GET", "/", "cpe", "secret", 1)); err != nil {
		t.Errorf("new nonce after eviction: %v", err)
	}
}

func TestAuthURI(t *testing.T) {
	a := &Authenticator{Realm: "acs", Password: authUsers}
	tests := []struct {
		target, uri string
		ok          bool
	}{
		{"/acs?id=1", "/acs?id=1", true},
		{"/acs?id=1", "http://acs.example:7547/acs?id=1", true}, // absolute-form uri
		{"http://acs.example/acs?id=1", "/acs?id=1", true},      // absolute-form request
		{"/", "/", true},
		{"/acs?id=1", "/acs?id=2", false},
		{"/acs?id=1", "/acs", false},
		{"/acs", "/other", false},
		{"/acs", "::not a uri", false},
	}
	for _, tt := range tests {
		chal, _ := authChallengeFor(t, a, nil)
		r := httptest.NewRequest("GET", tt.target, nil)
		r.Header.Set("Authorization", authDigestHeader(t, chal, "GET", tt.uri, "cpe", "secret", 1))
		_, err := a.Authenticate(r)
		if tt.ok && err != nil {
			t.Errorf("request %s, uri %s: %v", tt.target, tt.uri, err)
		}
		if !tt.ok && !errors.Is(err, ErrURIMismatch) {
			t.Errorf("request %s, uri %s: %v, want ErrURIMismatch", tt.target, tt.uri, err)
		}
	}
}

func TestAuthRejects(t *testing.T) {
	a := &Authenticator{Realm: "acs", Password: authUsers}
	chal, _ := authChallengeFor(t, a, nil)
	good := authDigestHeader(t, chal, "GET", "/", "cpe", "secret", 1)
	sha := *chal
	sha.Algorithm = "SHA-256"
	legacy := *chal
	legacy.QOP = nil
	authInt := *chal
	authInt.QOP = []string{"auth-int"}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("cpe:secret"))
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"none", "", ErrNoCredentials},
		{"blank", "   ", ErrNoCredentials},
		{"garbage", "garbage", ErrUnsupportedScheme},
		{"binary garbage", "\x00\xff\x01 \"", ErrUnsupportedScheme},
		{"bearer", "Bearer abc", ErrUnsupportedScheme},
		{"digest alone", "Digest", ErrMalformedCredentials},
		{"digest space", "Digest ", ErrMalformedCredentials},
		{"unbalanced quotes", `Digest username="cpe, realm="acs", nonce="x`, ErrMalformedCredentials},
		{"bad nc", strings.Replace(good, "nc=00000001", "nc=zz", 1), ErrMalformedCredentials},
		{"nc zero", strings.Replace(good, "nc=00000001", "nc=00000000", 1), ErrMalformedCredentials},
		{"missing response", `Digest username="cpe", realm="acs", nonce="n", uri="/"`, ErrMalformedCredentials},
		{"missing cnonce", strings.Replace(good, `cnonce="`, `xnonce="`, 1), ErrMalformedCredentials},
		{"userhash", strings.Replace(good, "qop=auth", "userhash=true, qop=auth", 1), ErrMalformedCredentials},
		{"huge", `Digest username="` + strings.Repeat("a", 1<<20) + `"`, ErrMalformedCredentials},
		{"huge basic", "Basic " + strings.Repeat("A", 1<<20), ErrMalformedCredentials},
		{"wrong realm", strings.Replace(good, `realm="acs"`, `realm="other"`, 1), ErrRealmMismatch},
		{"wrong algorithm", authDigestHeader(t, &sha, "GET", "/", "cpe", "secret", 1), ErrAlgorithmMismatch},
		{"legacy without qop", authDigestHeader(t, &legacy, "GET", "/", "cpe", "secret", 0), ErrUnsupportedQOP},
		{"auth-int", authDigestHeader(t, &authInt, "GET", "/", "cpe", "secret", 1), ErrUnsupportedQOP},
		{"uri mismatch", authDigestHeader(t, chal, "GET", "/elsewhere", "cpe", "secret", 1), ErrURIMismatch},
		{"wrong method", authDigestHeader(t, chal, "POST", "/", "cpe", "secret", 1), ErrWrongPassword},
		{"basic disabled", basic, ErrUnsupportedScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := authTry(a, "GET", "/", tt.header)
			if !errors.Is(err, tt.want) || user != "" {
				t.Fatalf("Authenticate = %q, %v; want %v", user, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "cwmp: ") {
				t.Errorf("error text %q lacks cwmp: prefix", err)
			}
		})
	}
	// Several Authorization headers are ambiguous.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Authorization", good)
	r.Header.Add("Authorization", good)
	if _, err := a.Authenticate(r); !errors.Is(err, ErrMalformedCredentials) {
		t.Errorf("two headers: %v", err)
	}
	// The good header still works after all that.
	if _, err := authTry(a, "GET", "/", good); err != nil {
		t.Errorf("good header: %v", err)
	}
}

func TestAuthBasic(t *testing.T) {
	a := &Authenticator{Realm: "acs", Basic: true, Password: authUsers}
	enc := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	if u, err := authTry(a, "GET", "/", enc("cpe:secret")); err != nil || u != "cpe" {
		t.Fatalf("basic: %q, %v", u, err)
	}
	if u, err := authTry(a, "GET", "/", "basic  "+base64.StdEncoding.EncodeToString([]byte("cpe:secret"))); err != nil || u != "cpe" {
		t.Fatalf("lowercase scheme, extra space: %q, %v", u, err)
	}
	for header, want := range map[string]error{
		enc("cpe:secreT"):     ErrWrongPassword,
		enc("cpe:"):           ErrWrongPassword,
		enc("nobody:secret"):  ErrUnknownUser,
		enc("cpesecret"):      ErrMalformedCredentials,
		"Basic !!notbase64!!": ErrMalformedCredentials,
		"Digest x":            ErrUnsupportedScheme, // Digest not enabled when only Basic is set
	} {
		if _, err := authTry(a, "GET", "/", header); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", header, err, want)
		}
	}
}

func TestAuthLegacyDigest(t *testing.T) {
	a := &Authenticator{Realm: "acs", Password: authUsers, AllowLegacyDigest: true}
	chal, _ := authChallengeFor(t, a, nil)
	legacy := *chal
	legacy.QOP = nil
	h := authDigestHeader(t, &legacy, "GET", "/", "cpe", "secret", 0)
	if strings.Contains(h, "qop") || strings.Contains(h, "nc=") {
		t.Fatalf("not an RFC 2069 header: %s", h)
	}
	if u, err := authTry(a, "GET", "/", h); err != nil || u != "cpe" {
		t.Fatalf("legacy: %q, %v", u, err)
	}
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, &legacy, "GET", "/", "cpe", "bad", 0)); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("legacy wrong password: %v", err)
	}
	// qop=auth is still accepted.
	if _, err := authTry(a, "GET", "/", authDigestHeader(t, chal, "GET", "/", "cpe", "secret", 1)); err != nil {
		t.Fatalf("qop=auth with legacy allowed: %v", err)
	}
}

func TestAuthSharedNonceKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	node1 := &Authenticator{Realm: "acs", Password: authUsers, NonceKey: key}
	node2 := &Authenticator{Realm: "acs", Password: authUsers, NonceKey: bytes.Clone(key)}
	other := &Authenticator{Realm: "acs", Password: authUsers, NonceKey: []byte("another key, another deployment")}
	random := &Authenticator{Realm: "acs", Password: authUsers}

	chal, _ := authChallengeFor(t, node1, nil)
	if _, err := authTry(node2, "POST", "/acs", authDigestHeader(t, chal, "POST", "/acs", "cpe", "secret", 1)); err != nil {
		t.Fatalf("node2 rejected node1's nonce: %v", err)
	}
	if _, err := authTry(node1, "POST", "/acs", authDigestHeader(t, chal, "POST", "/acs", "cpe", "secret", 2)); err != nil {
		t.Fatalf("node1 rejected its own nonce: %v", err)
	}
	for name, a := range map[string]*Authenticator{"other key": other, "random key": random} {
		if _, err := authTry(a, "POST", "/acs", authDigestHeader(t, chal, "POST", "/acs", "cpe", "secret", 3)); !errors.Is(err, ErrStaleNonce) {
			t.Errorf("%s accepted a foreign nonce: %v", name, err)
		}
	}
	// A forged nonce (valid shape, tampered timestamp) is not accepted.
	b, _ := base64.RawURLEncoding.DecodeString(chal.Nonce)
	b[7] ^= 1
	forged := *chal
	forged.Nonce = base64.RawURLEncoding.EncodeToString(b)
	if _, err := authTry(node1, "POST", "/acs", authDigestHeader(t, &forged, "POST", "/acs", "cpe", "secret", 1)); !errors.Is(err, ErrStaleNonce) {
		t.Errorf("tampered nonce: %v, want ErrStaleNonce", err)
	}
}

func TestAuthSessionReuse(t *testing.T) {
	s := newAuthServer(t, &Authenticator{Realm: "acs"})
	c, ca := s.client("cpe", "secret")
	for i := range 4 {
		body := strings.NewReader(fmt.Sprintf("envelope %d", i))
		resp, err := c.Post(s.URL+"/acs", "text/xml", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	if u := s.unauth.Load(); u != 1 {
		t.Errorf("server sent %d 401s, want 1", u)
	}
	s.mu.Lock()
	headers, bodies := append([]string(nil), s.headers...), append([]string(nil), s.bodies...)
	s.mu.Unlock()
	if len(headers) != 5 || headers[0] != "" {
		t.Fatalf("headers %q: want one unauthenticated then 4 authenticated", headers)
	}
	// The body was replayed on the retry.
	if bodies[0] != "envelope 0" || bodies[1] != "envelope 0" {
		t.Errorf("bodies %q", bodies[:2])
	}
	var nonce string
	for i, h := range headers[1:] {
		cred, err := digest.ParseCredentials(h)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			nonce = cred.Nonce
		}
		if cred.Nonce != nonce || cred.Nc != i+1 {
			t.Errorf("request %d: nonce %s nc %d, want nonce %s nc %d", i, cred.Nonce, cred.Nc, nonce, i+1)
		}
	}
	// Reset starts a new session: one more 401.
	ca.Reset()
	if status, _ := authGet(t, c, s.URL+"/acs"); status != 200 {
		t.Fatalf("after Reset: %d", status)
	}
	if u := s.unauth.Load(); u != 2 {
		t.Errorf("after Reset: %d 401s, want 2", u)
	}
}

// authBodyRecorder is a RoundTripper that records each request body as the
// base transport receives it (net/http would otherwise rewind some bodies by
// itself and hide a missing replay).
type authBodyRecorder struct {
	base   http.RoundTripper
	mu     sync.Mutex
	bodies []string
}

func (r *authBodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = nil
	return r.base.RoundTrip(req)
}

func TestTransportReplaysBody(t *testing.T) {
	s := newAuthServer(t, &Authenticator{Realm: "acs"})
	rec := &authBodyRecorder{base: s.Client().Transport}
	c := &http.Client{Transport: &Transport{Auth: &ClientAuth{Username: "cpe", Password: "secret"}, Base: rec}}
	resp, err := c.Post(s.URL+"/acs", "text/xml", strings.NewReader("<Inform/>"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(rec.bodies) != 2 || rec.bodies[0] != "<Inform/>" || rec.bodies[1] != "<Inform/>" {
		t.Fatalf("bodies sent %q, want the envelope twice", rec.bodies)
	}
}

func TestTransportBodyNotReplayable(t *testing.T) {
	s := newAuthServer(t, &Authenticator{Realm: "acs"})
	c, _ := s.client("cpe", "secret")
	req, _ := http.NewRequest("POST", s.URL+"/acs", io.NopCloser(strings.NewReader("inform")))
	req.GetBody = nil
	_, err := c.Do(req)
	if !errors.Is(err, ErrBodyNotReplayable) {
		t.Fatalf("Do = %v, want ErrBodyNotReplayable", err)
	}
	// Once the challenge is known, the same kind of request goes through
	// preemptively without needing a replay.
	req, _ = http.NewRequest("POST", s.URL+"/acs", io.NopCloser(strings.NewReader("inform")))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("preemptive POST: %d", resp.StatusCode)
	}
	if _, err := (&Transport{}).RoundTrip(httptest.NewRequest("GET", "http://127.0.0.1/", nil)); err == nil {
		t.Error("nil Auth accepted")
	}
}

func TestClientAuthNoLoop(t *testing.T) {
	a := &Authenticator{Realm: "acs", Password: authUsers}
	ca := &ClientAuth{Username: "cpe", Password: "wrong"}
	resp401 := func(req *http.Request, err error) *http.Response {
		w := httptest.NewRecorder()
		a.Challenge(w, err)
		resp := w.Result()
		resp.Request = req
		return resp
	}
	req := httptest.NewRequest("GET", "/", nil)
	if retry, err := ca.Challenge(resp401(req, ErrNoCredentials)); !retry || err != nil {
		t.Fatalf("first challenge: %v, %v", retry, err)
	}
	req2 := httptest.NewRequest("GET", "/", nil)
	if err := ca.Authorize(req2); err != nil || !strings.HasPrefix(req2.Header.Get("Authorization"), "Digest ") {
		t.Fatalf("Authorize: %v %q", err, req2.Header.Get("Authorization"))
	}
	if retry, err := ca.Challenge(resp401(req2, ErrWrongPassword)); retry || !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("after rejection: %v, %v; want false, ErrCredentialsRejected", retry, err)
	}
	// stale=true means the password was fine: retry.
	req3 := httptest.NewRequest("GET", "/", nil)
	_ = ca.Authorize(req3)
	if retry, err := ca.Challenge(resp401(req3, ErrStaleNonce)); !retry || err != nil {
		t.Fatalf("stale: %v, %v", retry, err)
	}
	// Non-401 responses teach nothing.
	if retry, err := ca.Challenge(&http.Response{StatusCode: 200}); retry || err != nil {
		t.Fatalf("200: %v, %v", retry, err)
	}
	// Basic rejected after Basic was sent.
	ba := &Authenticator{Realm: "acs", Basic: true, Password: authUsers}
	w := httptest.NewRecorder()
	ba.Challenge(w, nil)
	resp := w.Result()
	resp.Request = httptest.NewRequest("GET", "/", nil)
	resp.Request.SetBasicAuth("cpe", "wrong")
	if retry, err := ca.Challenge(resp); retry || !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("basic rejected: %v, %v", retry, err)
	}
	// DisableBasic refuses a Basic-only peer.
	resp.Request = httptest.NewRequest("GET", "/", nil)
	strict := &ClientAuth{Username: "cpe", Password: "secret", DisableBasic: true}
	if retry, err := strict.Challenge(resp); retry || !errors.Is(err, ErrNoChallenge) {
		t.Fatalf("DisableBasic: %v, %v", retry, err)
	}
}

func TestClientAuthConcurrentNC(t *testing.T) {
	ca := &ClientAuth{Username: "cpe", Password: "secret"}
	resp := &http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {`Digest realm="r", nonce="n", qop="auth"`}}}
	if retry, err := ca.Challenge(resp); !retry || err != nil {
		t.Fatal(retry, err)
	}
	const n = 64
	seen := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := httptest.NewRequest("GET", "/", nil)
			if err := ca.Authorize(req); err != nil {
				t.Error(err)
				return
			}
			cred, err := digest.ParseCredentials(req.Header.Get("Authorization"))
			if err != nil {
				t.Error(err)
				return
			}
			seen[i] = cred.Nc
		})
	}
	wg.Wait()
	used := map[int]bool{}
	for _, nc := range seen {
		if nc < 1 || nc > n || used[nc] {
			t.Fatalf("nonce counts %v are not a permutation of 1..%d", seen, n)
		}
		used[nc] = true
	}
}

func TestClientAuthSloppyChallenges(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		// want: "" for ErrNoChallenge, "Basic", or the Digest fields.
		scheme, realm, nonce, alg, qop, opaque string
	}{
		{"standard", []string{`Digest realm="acs", nonce="n1", qop="auth", algorithm=MD5`}, "Digest", "acs", "n1", "MD5", "auth", ""},
		{"qop list", []string{`Digest realm="acs", nonce="n1", qop="auth,auth-int"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"qop list with space", []string{`Digest realm="acs", nonce="n1", qop="auth, auth-int"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"qop auth second", []string{`Digest realm="acs", nonce="n1", qop="auth-int, auth"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"qop uppercase", []string{`Digest realm="acs", nonce="n1", qop="AUTH"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"unquoted", []string{`Digest realm=acs.example, nonce=ab+/cd==, qop=auth, algorithm=MD5`}, "Digest", "acs.example", "ab+/cd==", "MD5", "auth", ""},
		{"unquoted qop list", []string{`Digest realm=acs, nonce=n1, qop=auth,auth-int, opaque=o1`}, "Digest", "acs", "n1", "", "auth", "o1"},
		{"lowercase scheme", []string{`digest realm="acs", nonce="n1", qop="auth"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"uppercase keys", []string{`DIGEST Realm="acs", NONCE="n1", QOP="auth", Algorithm="md5"`}, "Digest", "acs", "n1", "md5", "auth", ""},
		{"quoted algorithm", []string{`Digest realm="acs", nonce="n1", qop="auth", algorithm="MD5"`}, "Digest", "acs", "n1", "MD5", "auth", ""},
		{"sha-256", []string{`Digest realm="acs", nonce="n1", qop="auth", algorithm=SHA-256`}, "Digest", "acs", "n1", "SHA-256", "auth", ""},
		{"no qop (RFC 2069)", []string{`Digest realm="acs", nonce="n1"`}, "Digest", "acs", "n1", "", "", ""},
		{"no spaces, tabs", []string{"Digest realm=\"acs\",nonce=\"n1\",\tqop=\"auth\""}, "Digest", "acs", "n1", "", "auth", ""},
		{"comma and escapes in realm", []string{`Digest realm="a, \"b\"", nonce="n1", qop="auth"`}, "Digest", `a, "b"`, "n1", "", "auth", ""},
		{"opaque", []string{`Digest realm="acs", nonce="n1", opaque="5ccc", qop="auth"`}, "Digest", "acs", "n1", "", "auth", "5ccc"},
		{"basic header first", []string{`Basic realm="b"`, `Digest realm="acs", nonce="n1", qop="auth"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"basic then digest in one line", []string{`Basic realm="b", Digest realm="acs", nonce="n1", qop="auth"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"digest then basic in one line", []string{`Digest realm="acs", nonce="n1", qop="auth", Basic realm="b"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"negotiate then digest", []string{`Negotiate, Digest realm="acs", nonce="n1", qop=auth`}, "Digest", "acs", "n1", "", "auth", ""},
		{"first supported digest wins", []string{`Digest realm="acs", nonce="s1", algorithm=MD5-sess, qop="auth"`, `Digest realm="acs", nonce="n1", qop="auth"`}, "Digest", "acs", "n1", "", "auth", ""},
		{"first of two supported digests wins", []string{`Digest realm="acs", nonce="n1", qop="auth", algorithm=SHA-256`, `Digest realm="acs", nonce="n2", qop="auth", algorithm=MD5`}, "Digest", "acs", "n1", "SHA-256", "auth", ""},
		{"unsupported digest after supported", []string{`Digest realm="acs", nonce="n1", qop="auth", Digest realm="acs", nonce="n2", algorithm=MD5-sess`}, "Digest", "acs", "n1", "", "auth", ""},
		{"auth-int only", []string{`Digest realm="acs", nonce="n1", qop="auth-int"`}, "Digest", "acs", "n1", "", "auth-int", ""},
		{"basic only", []string{`Basic realm="acs"`}, "Basic", "", "", "", "", ""},
		{"lowercase basic", []string{`basic realm=acs`}, "Basic", "", "", "", "", ""},
		{"unsupported digest falls back to basic", []string{`Digest realm="acs", nonce="n1", algorithm=MD5-sess`, `Basic realm="acs"`}, "Basic", "", "", "", "", ""},
		{"unsupported algorithm", []string{`Digest realm="acs", nonce="n1", algorithm=SHA-1`}, "", "", "", "", "", ""},
		{"unsupported qop", []string{`Digest realm="acs", nonce="n1", qop="foo"`}, "", "", "", "", "", ""},
		{"no nonce", []string{`Digest realm="acs", qop="auth"`}, "", "", "", "", "", ""},
		{"unterminated quote", []string{`Digest realm="acs", nonce="n1`}, "", "", "", "", "", ""},
		{"bearer", []string{`Bearer realm="acs"`}, "", "", "", "", "", ""},
		{"none", nil, "", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := &ClientAuth{Username: "cpe", Password: "secret"}
			resp := &http.Response{StatusCode: 401, Header: http.Header{}}
			for _, h := range tt.headers {
				resp.Header.Add("WWW-Authenticate", h)
			}
			retry, err := ca.Challenge(resp)
			if tt.scheme == "" {
				if retry || !errors.Is(err, ErrNoChallenge) {
					t.Fatalf("Challenge = %v, %v; want false, ErrNoChallenge", retry, err)
				}
				return
			}
			if !retry || err != nil {
				t.Fatalf("Challenge = %v, %v; want true, nil", retry, err)
			}
			req, _ := http.NewRequest("POST", "http://127.0.0.1:7547/acs?x=1", strings.NewReader("body"))
			if err := ca.Authorize(req); err != nil {
				t.Fatal(err)
			}
			got := req.Header.Get("Authorization")
			if tt.scheme == "Basic" {
				if u, p, ok := req.BasicAuth(); !ok || u != "cpe" || p != "secret" {
					t.Fatalf("Authorization %q, want Basic cpe:secret", got)
				}
				return
			}
			cred, err := digest.ParseCredentials(got)
			if err != nil {
				t.Fatalf("Authorization %q: %v", got, err)
			}
			if cred.Realm != tt.realm || cred.Nonce != tt.nonce || cred.Algorithm != tt.alg || cred.QOP != tt.qop || cred.Opaque != tt.opaque || cred.URI != "/acs?x=1" || cred.Username != "cpe" {
				t.Fatalf("credentials %+v; want realm %q nonce %q alg %q qop %q opaque %q", cred, tt.realm, tt.nonce, tt.alg, tt.qop, tt.opaque)
			}
			// Recompute the response independently for the intended challenge.
			want := &digest.Challenge{Realm: tt.realm, Nonce: tt.nonce, Algorithm: tt.alg}
			if tt.qop != "" {
				want.QOP = []string{tt.qop}
			}
			exp, err := digest.Digest(want, digest.Options{
				Method: "POST", URI: "/acs?x=1", Count: cred.Nc, Cnonce: cred.Cnonce, Username: "cpe", Password: "secret",
				GetBody: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("body")), nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			if cred.Response != exp.Response {
				t.Fatalf("response %s, want %s", cred.Response, exp.Response)
			}
		})
	}
}

// TestAuthMultiNodeSession runs a CPE session across two ACS
// nodes sharing a NonceKey, then a node with another key: the latter costs
// one stale round trip, not a failure.
func TestAuthMultiNodeSession(t *testing.T) {
	key := []byte("shared-key-shared-key-shared-key")
	n1 := newAuthServer(t, &Authenticator{Realm: "acs", NonceKey: key})
	n2 := newAuthServer(t, &Authenticator{Realm: "acs", NonceKey: key})
	n3 := newAuthServer(t, &Authenticator{Realm: "acs"})
	ca := &ClientAuth{Username: "cpe", Password: "secret"}
	base := n1.Client().Transport
	c := &http.Client{Transport: &Transport{Auth: ca, Base: base}}
	for _, s := range []*authServer{n1, n2, n1, n3} {
		if status, _ := authGet(t, c, s.URL+"/acs"); status != 200 {
			t.Fatalf("status %d", status)
		}
	}
	if u1, u2, u3 := n1.unauth.Load(), n2.unauth.Load(), n3.unauth.Load(); u1 != 1 || u2 != 0 || u3 != 1 {
		t.Errorf("401s per node %d %d %d, want 1 0 1", u1, u2, u3)
	}
	if !errors.Is(n3.lastErr(), ErrStaleNonce) {
		t.Errorf("node with other key: %v, want ErrStaleNonce", n3.lastErr())
	}
}

// authAnySentinel reports whether err wraps one of the Authenticate sentinels.
func authAnySentinel(err error) bool {
	for _, s := range []error{ErrNoCredentials, ErrMalformedCredentials, ErrUnsupportedScheme, ErrUnknownUser, ErrWrongPassword,
		ErrStaleNonce, ErrNonceReplay, ErrURIMismatch, ErrRealmMismatch, ErrAlgorithmMismatch, ErrUnsupportedQOP} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzAuthenticate(f *testing.F) {
	a := &Authenticator{Realm: "acs", Basic: true, Digest: true, Password: authUsers, AllowLegacyDigest: true}
	w := httptest.NewRecorder()
	a.Challenge(w, nil)
	chal, _ := digest.FindChallenge(w.Header())
	cred, _ := digest.Digest(chal, digest.Options{Method: "GET", URI: "/", Username: "cpe", Password: "secret"})
	for _, s := range []string{
		cred.String(),
		"Basic " + base64.StdEncoding.EncodeToString([]byte("cpe:secret")),
		"Basic", "Basic ====", "Digest", "Digest ", `Digest username="`, `Digest username=cpe, nc=ffffffff`,
		`Digest username="cpe", realm="acs", nonce="x", uri="/", response="y", qop=auth-int, nc=1, cnonce=""`,
		"digest a=\"\\", "Digest ,,,,", "\x00", "Digest \xff\xfe=\"\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", h)
		user, err := a.Authenticate(r)
		if err == nil {
			if user == "" {
				t.Fatalf("success with empty user for %q", h)
			}
			return
		}
		if !authAnySentinel(err) {
			t.Fatalf("error %v for %q wraps no sentinel", err, h)
		}
		a.Challenge(httptest.NewRecorder(), err)
	})
}

func FuzzClientChallenge(f *testing.F) {
	for _, s := range []string{
		`Digest realm="acs", nonce="n1", qop="auth, auth-int", algorithm=MD5`,
		`Basic realm="b", Digest realm=a, nonce=n, qop=auth,auth-int`,
		`Digest realm="a\`, `Negotiate YII+/a==, Digest nonce=x`, `,,=,"`, "digest nonce=\"\xff\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		ca := &ClientAuth{Username: "u", Password: "p"}
		retry, err := ca.Challenge(&http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {h}}})
		if retry == (err != nil) {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
		if err := ca.Authorize(httptest.NewRequest("GET", "/", nil)); err != nil && retry {
			t.Fatalf("Authorize after accepted challenge %q: %v", h, err)
		}
	})
}
