package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/cwmp/cwmptest"
)

// noEnv is a getenv with nothing set.
func noEnv(string) string { return "" }

// env returns a getenv holding kv.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// writeFile writes content to a file in a temporary directory and returns
// its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCPE runs run with a context that is already cancelled unless the
// configuration is to be checked only, and returns the status and output.
func runCPE(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "cpe.json", `{
		"acs": {"url": "http://file.example/acs", "username": "file-user", "password": "file-pw"},
		"device": {"serial_number": "FILE1", "model": "InternetGatewayDevice:1"},
		"connection_request": {"addr": "127.0.0.1:7000", "password": "file-crpw"},
		"periodic_interval": 300,
		"log_level": "debug"
	}`)
	cfg, opts, err := loadConfig([]string{
		"-config", file,
		"-serial", "FLAG1",
		"-cr-addr", "127.0.0.1:0",
		"-periodic-interval", "90s",
		"-insecure-skip-verify",
	}, env(map[string]string{envACSPassword: "env-pw"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.configFile != file || opts.checkConfig {
		t.Errorf("options %+v", opts)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	for _, c := range []struct{ what, got, want string }{
		// flags over everything
		{"serial", cfg.Device.SerialNumber, "FLAG1"},
		{"cr addr", cfg.ConnReq.Addr, "127.0.0.1:0"},
		{"periodic interval", time.Duration(cfg.PeriodicInterval).String(), "1m30s"},
		// the environment over the file
		{"acs password", cfg.ACS.Password, "env-pw"},
		// the file over the defaults
		{"acs url", cfg.ACS.URL, "http://file.example/acs"},
		{"acs username", cfg.ACS.Username, "file-user"},
		{"cr password", cfg.ConnReq.Password, "file-crpw"},
		{"log level", cfg.LogLevel, "debug"},
		{"model (resolved by Validate)", cfg.Device.Model, "InternetGatewayDevice:1.14"},
		// the defaults where nobody said anything
		{"manufacturer", cfg.Device.Manufacturer, def.Device.Manufacturer},
		{"oui", cfg.Device.OUI, def.Device.OUI},
		{"software version", cfg.Device.SoftwareVersion, def.Device.SoftwareVersion},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !cfg.ACS.InsecureSkipVerify {
		t.Error("-insecure-skip-verify not applied")
	}

	// A flag set to its default value still overrides the file.
	cfg, _, err = loadConfig([]string{"-config", file, "-log-level", "info", "-cr-addr", ""}, noEnv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogLevel != "info" || cfg.ConnReq.Addr != "" {
		t.Errorf("log level %q, cr addr %q; want the flags' info and \"\"", cfg.LogLevel, cfg.ConnReq.Addr)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, _, err := loadConfig(nil, noEnv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	if cfg != def {
		t.Errorf("no flags: %+v, want the defaults %+v", cfg, def)
	}
	if def.Device.Model != "Device:2.17" || def.ConnReq.Addr != ":7547" || time.Duration(def.PeriodicInterval) != time.Hour {
		t.Errorf("defaults %+v", def)
	}
}

func TestConfigFileErrors(t *testing.T) {
	for _, tt := range []struct{ name, content, want string }{
		{"unknown field", `{"acs": {"URL": "x", "passwd": "y"}}`, `unknown field "passwd"`},
		{"syntax", "{\n  \"acs\": {\"url\": \"x\",}\n}", "cpe.json:2:"},
		{"type", "{\n\"state_dir\": 5}", `cpe.json:2:15: state_dir: want a JSON string, not number`},
		{"bad duration", `{"periodic_interval": "often"}`, `duration "often"`},
		{"negative seconds", `{"periodic_interval": -5}`, `whole number of seconds`},
		{"two values", `{} {}`, "more than one JSON value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, "cpe.json", tt.content)
			_, _, err := loadConfig([]string{"-config", file}, noEnv, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	_, _, err := loadConfig([]string{"-config", filepath.Join(t.TempDir(), "missing.json")}, noEnv, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		c := DefaultConfig()
		c.ACS.URL = "https://acs.example.net/cwmp"
		c.Device.SerialNumber = "SN1"
		return c
	}
	notDir := writeFile(t, "file", "")
	badCA := writeFile(t, "ca.pem", "not a certificate")
	for _, tt := range []struct {
		name   string
		change func(*Config)
		want   string // "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"major version model", func(c *Config) { c.Device.Model = "Device:2" }, ""},
		{"periodic off", func(c *Config) { c.PeriodicInterval = 0 }, ""},
		{"cr off", func(c *Config) { c.ConnReq.Addr = "" }, ""},
		{"no acs url", func(c *Config) { c.ACS.URL = "" }, "acs.url (-acs-url): required"},
		{"acs url scheme", func(c *Config) { c.ACS.URL = "ftp://acs/" }, "acs.url (-acs-url): \"ftp://acs/\" is not an http:// or https:// URL"},
		{"acs url relative", func(c *Config) { c.ACS.URL = "acs.example.net" }, "acs.url (-acs-url)"},
		{"no serial", func(c *Config) { c.Device.SerialNumber = "" }, "device.serial_number (-serial): required"},
		{"long serial", func(c *Config) { c.Device.SerialNumber = strings.Repeat("x", 65) }, "device.serial_number (-serial): 65 characters"},
		{"no manufacturer", func(c *Config) { c.Device.Manufacturer = "" }, "device.manufacturer (-manufacturer): required"},
		{"lower-case oui", func(c *Config) { c.Device.OUI = "00d09e" }, "device.oui (-oui): \"00d09e\" is not 6 upper-case hexadecimal digits"},
		{"short oui", func(c *Config) { c.Device.OUI = "00D0" }, "device.oui (-oui)"},
		{"unknown model", func(c *Config) { c.Device.Model = "Device:3" }, "device.model (-model): \"Device:3\" is not a built-in data model"},
		{"state dir is a file", func(c *Config) { c.StateDir = notDir }, "state_dir (-state-dir): " + notDir + " is not a directory"},
		{"cr addr", func(c *Config) { c.ConnReq.Addr = "7547" }, "connection_request.addr (-cr-addr)"},
		{"cr port", func(c *Config) { c.ConnReq.Addr = ":http" }, "connection_request.addr (-cr-addr): port \"http\""},
		{"cr url host", func(c *Config) { c.ConnReq.URLHost = "http://x/" }, "connection_request.url_host (-cr-url-host)"},
		{"negative interval", func(c *Config) { c.PeriodicInterval = Duration(-time.Second) }, "periodic_interval (-periodic-interval): -1s is negative"},
		{"fractional interval", func(c *Config) { c.PeriodicInterval = Duration(1500 * time.Millisecond) }, "not a whole number of seconds"},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "log_level (-log-level): \"loud\" is not debug, info, warn or error"},
		{"missing ca file", func(c *Config) { c.ACS.CAFile = "/nonexistent/ca.pem" }, "acs.ca_file (-ca-file)"},
		{"bad ca file", func(c *Config) { c.ACS.CAFile = badCA }, "holds no PEM certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	// Every problem is reported at once.
	c := DefaultConfig()
	c.LogLevel = "loud"
	err := c.Validate()
	for _, want := range []string{"acs.url", "device.serial_number", "log_level"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate of several problems: %v, want %s among them", err, want)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	cfg := DefaultConfig()
	if err := readConfigFile("cpe.example.json", &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("cpe.example.json: %v", err)
	}
}

func TestCheckConfig(t *testing.T) {
	code, stdout, stderr := runCPE(t, noEnv, "-check-config", "-acs-url", "http://127.0.0.1:1/acs", "-serial", "SN1")
	if code != exitOK || !strings.Contains(stdout, "configuration OK") || stderr != "" {
		t.Errorf("valid: exit %d, stdout %q, stderr %q; want 0 and OK", code, stdout, stderr)
	}
	code, stdout, stderr = runCPE(t, noEnv, "-check-config", "-acs-url", "http://127.0.0.1:1/acs")
	if code != exitFailure || stdout != "" || !strings.Contains(stderr, "device.serial_number (-serial): required") {
		t.Errorf("invalid: exit %d, stdout %q, stderr %q; want 1 naming the serial", code, stdout, stderr)
	}
	file := writeFile(t, "cpe.json", `{"acs": {"url": "http://127.0.0.1:1/acs"}, "device": {"serial": "SN1"}}`)
	code, _, stderr = runCPE(t, noEnv, "-check-config", "-config", file)
	if code != exitFailure || !strings.Contains(stderr, `unknown field "serial"`) {
		t.Errorf("bad file: exit %d, stderr %q; want 1 naming the field", code, stderr)
	}
	code, _, _ = runCPE(t, noEnv, "-check-config", "-no-such-flag")
	if code != exitUsage {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-acs-uri", "x"}, "flag provided but not defined: -acs-uri"},
		{"bad duration flag", []string{"-periodic-interval", "often"}, `invalid value "often" for flag -periodic-interval`},
		{"argument", []string{"-serial", "SN1", "start"}, `unexpected argument "start"`},
		{"missing acs url", []string{"-serial", "SN1"}, "acs.url (-acs-url): required"},
		{"missing serial", []string{"-acs-url", "http://127.0.0.1:1/"}, "device.serial_number (-serial): required"},
		{"bad config file", []string{"-config", "/nonexistent/cpe.json"}, "/nonexistent/cpe.json"},
		{"long file type", []string{"-request-download", strings.Repeat("x", 65)}, "-request-download: 65 characters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCPE(t, noEnv, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
	code, _, stderr := runCPE(t, noEnv, "-help")
	if code != exitOK || !strings.Contains(stderr, "-acs-url") {
		t.Errorf("-help: exit %d, stderr %q", code, stderr)
	}
}

// lockedBuffer is a bytes.Buffer for a writer and a reader in different
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRun runs run in a goroutine; stop cancels it and returns its exit
// status.
func startRun(t *testing.T, getenv func(string) string, args ...string) (stop func() int, stderr *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = new(lockedBuffer)
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, getenv, io.Discard, stderr) }()
	stopped := false
	stop = func() int {
		t.Helper()
		cancel()
		select {
		case code := <-done:
			stopped = true
			return code
		case <-time.After(10 * time.Second):
			t.Fatalf("run did not return 10 s after cancel; log:\n%s", stderr)
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return stop, stderr
}

// The whole command against a fake ACS: the bootstrap Inform with the
// configured DeviceId and the queued RequestDownload, a connection request
// on the URL the Inform reports, a clean stop that leaves the state, and a
// restart from that state.
func TestRunEndToEnd(t *testing.T) {
	acs := cwmptest.NewACS()
	defer acs.Close()
	dir := filepath.Join(t.TempDir(), "state")
	getenv := env(map[string]string{envConnReqPassword: "cr-secret"})
	args := []string{
		"-acs-url", acs.URL,
		"-serial", "E2E0001", "-oui", "00D09E", "-manufacturer", "cwmpkit-test", "-product-class", "E2E",
		"-state-dir", dir,
		"-cr-addr", "127.0.0.1:0", "-cr-username", "acs",
		"-periodic-interval", "1h",
		"-log-level", "debug",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	stop, stderr := startRun(t, getenv, append(args, "-request-download", "1 Firmware Upgrade Image")...)
	s1, err := acs.WaitSession(ctx, 1)
	if err != nil {
		t.Fatalf("%v; log:\n%s", err, stderr)
	}
	if s1.Err != nil || !s1.NoContent || len(s1.Violations) > 0 {
		t.Errorf("session 1: err %v, NoContent %v, violations %q", s1.Err, s1.NoContent, s1.Violations)
	}
	inf := s1.InformMessage()
	wantID := cwmp.DeviceIdStruct{Manufacturer: "cwmpkit-test", OUI: "00D09E", ProductClass: "E2E", SerialNumber: "E2E0001"}
	if inf.DeviceId != wantID {
		t.Errorf("DeviceId %+v, want %+v", inf.DeviceId, wantID)
	}
	if !slices.ContainsFunc(inf.Event, func(e cwmp.EventStruct) bool { return e.EventCode == cwmp.EventBootstrap }) {
		t.Errorf("first Inform's events %v, want 0 BOOTSTRAP", inf.Event)
	}
	if len(s1.CPERequests) != 1 {
		t.Errorf("session 1: %d CPE requests, want the RequestDownload", len(s1.CPERequests))
	} else if rd, ok := s1.CPERequests[0].Request.Body.(*cwmp.RequestDownload); !ok || rd.FileType != "1 Firmware Upgrade Image" || s1.CPERequests[0].Fault() != nil {
		t.Errorf("session 1: CPE request %#v answered with fault %v, want RequestDownload of 1 Firmware Upgrade Image", s1.CPERequests[0].Request.Body, s1.CPERequests[0].Fault())
	}
	crURL, ok := inf.Parameter("Device.ManagementServer.ConnectionRequestURL")
	if !ok || !strings.HasPrefix(crURL, "http://127.0.0.1:") {
		t.Fatalf("ConnectionRequestURL %q, want one on 127.0.0.1", crURL)
	}

	// The ACS's connection request, with the configured credentials.
	client := &http.Client{Transport: &cwmp.Transport{Auth: &cwmp.ClientAuth{Username: "acs", Password: "cr-secret", DisableBasic: true}}, Timeout: 10 * time.Second}
	resp, err := client.Get(crURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("connection request: %d, want 200", resp.StatusCode)
	}
	s2, err := acs.WaitSession(ctx, 2)
	if err != nil {
		t.Fatalf("%v; log:\n%s", err, stderr)
	}
	if !slices.Contains(s2.InformMessage().Event, cwmp.EventStruct{EventCode: cwmp.EventConnectionRequest}) {
		t.Errorf("session 2 events %v, want 6 CONNECTION REQUEST", s2.InformMessage().Event)
	}

	if code := stop(); code != exitOK {
		t.Fatalf("exit %d after cancel, want 0; log:\n%s", code, stderr)
	}
	state, err := os.ReadFile(filepath.Join(dir, "agent.json"))
	if err != nil || !bytes.Contains(state, []byte("E2E0001")) {
		t.Fatalf("state file: %v, %d bytes without the serial number", err, len(state))
	}
	if strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", stderr)
	}

	// A restart is a boot of the same device, reachable at the same path.
	stop, stderr = startRun(t, getenv, args...)
	s3, err := acs.WaitSession(ctx, 3)
	if err != nil {
		t.Fatalf("%v; log:\n%s", err, stderr)
	}
	ev := s3.InformMessage().Event
	if !slices.Contains(ev, cwmp.EventStruct{EventCode: cwmp.EventBoot}) || slices.Contains(ev, cwmp.EventStruct{EventCode: cwmp.EventBootstrap}) {
		t.Errorf("events after restart %v, want 1 BOOT without 0 BOOTSTRAP", ev)
	}
	crURL2, _ := s3.InformMessage().Parameter("Device.ManagementServer.ConnectionRequestURL")
	if path := func(u string) string { return u[strings.LastIndexByte(u, '/'):] }; path(crURL2) != path(crURL) {
		t.Errorf("ConnectionRequestURL after restart %q, before %q: want the same path", crURL2, crURL)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d after the second cancel, want 0; log:\n%s", code, stderr)
	}
}

// A listener that cannot listen is a failure at run time: exit 1.
func TestRunListenFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runCPE(t, noEnv, "-acs-url", "http://127.0.0.1:1/", "-serial", "SN1", "-cr-addr", ln.Addr().String())
	if code != exitFailure || !strings.Contains(stderr, "connection-request listener") {
		t.Errorf("exit %d, stderr %q; want 1 naming the listener", code, stderr)
	}
}
