package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cwmpkit/cwmpkit/datamodel"
)

// Config is everything cmd/cpe can be told: DefaultConfig, then the
// -config file (JSON, see cpe.example.json), then the environment
// (passwords), then flags, each overriding the one before.
//
// Most values are the device's factory settings: the ACS URL and
// credentials, the DeviceId and versions, the connection-request
// credentials and the periodic interval seed the parameter tree at the
// first start; from then on the tree saved in StateDir, which the ACS (or
// a firmware download) may have changed, wins. The model, the listener,
// TLS and logging apply at every start.
type Config struct {
	ACS      ACSConfig     `json:"acs"`
	Device   DeviceConfig  `json:"device"`
	StateDir string        `json:"state_dir"`
	ConnReq  ConnReqConfig `json:"connection_request"`
	// PeriodicInterval is PeriodicInformInterval; 0 turns periodic
	// informs off (PeriodicInformEnable false).
	PeriodicInterval Duration `json:"periodic_interval"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `json:"log_level"`
}

// ACSConfig is how the agent reaches its ACS.
type ACSConfig struct {
	URL      string `json:"url"`
	Username string `json:"username"`
	Password string `json:"password"`
	// CAFile is a PEM file of CA certificates that replaces the system
	// roots for an https ACS.
	CAFile string `json:"ca_file"`
	// InsecureSkipVerify accepts any certificate: for labs only.
	InsecureSkipVerify bool `json:"insecure_skip_verify"`
}

// DeviceConfig is the device the agent is: its DeviceId (TR-069 Table 33),
// versions and data model.
type DeviceConfig struct {
	Manufacturer    string `json:"manufacturer"`
	OUI             string `json:"oui"`
	ProductClass    string `json:"product_class"`
	SerialNumber    string `json:"serial_number"`
	SoftwareVersion string `json:"software_version"`
	HardwareVersion string `json:"hardware_version"`
	// Model is a built-in data model: Device:2.17 (TR-181 Issue 2, the
	// default), InternetGatewayDevice:1.14 (TR-098) or Device:1.14; a
	// major version alone ("Device:2") means the newest built-in minor.
	Model string `json:"model"`
}

// ConnReqConfig is the connection-request listener (TR-069 3.2.2).
type ConnReqConfig struct {
	// Addr is the listen address; "" turns connection requests off.
	Addr string `json:"addr"`
	// URLHost is the host (or host:port) the ACS reaches the listener at,
	// written into ConnectionRequestURL; "" means the listen address, or
	// when that is a wildcard, this host's address on its route to the ACS.
	URLHost string `json:"url_host"`
	// Username and Password are the factory ConnectionRequestUsername and
	// ConnectionRequestPassword; an empty Username means the serial number.
	Username string `json:"username"`
	Password string `json:"password"`
	// Basic accepts HTTP Basic as well as Digest (the password then crosses
	// the network in clear).
	Basic bool `json:"basic"`
}

// Duration is a time.Duration that reads from JSON as a Go duration string
// ("1h30m") or as a number of seconds, TR-069's unit for intervals.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: want a Go duration such as \"300s\" or \"1h\"", s)
		}
		*d = Duration(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration %s: want a string such as \"1h\" or a number of seconds", b)
	}
	secs, err := strconv.ParseUint(n.String(), 10, 32)
	if err != nil {
		return fmt.Errorf("duration %s: want a whole number of seconds", n)
	}
	*d = Duration(time.Duration(secs) * time.Second)
	return nil
}

// String and Set make a Duration a flag.Value.
func (d *Duration) String() string { return time.Duration(*d).String() }

func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 300s or 1h")
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// DefaultConfig is the configuration before the file, environment and
// flags: a TR-181 device with periodic informs every hour and a
// connection-request listener on the CWMP port, 7547. It has no ACS URL and
// no serial number, which every device must be given.
func DefaultConfig() Config {
	return Config{
		Device: DeviceConfig{
			Manufacturer: "cwmpkit",
			// FFFFFF cannot be assigned (its group bit is set), so the
			// default never claims to be some real vendor's device.
			OUI:             "FFFFFF",
			ProductClass:    "cwmpkit-cpe",
			SoftwareVersion: "1.0.0",
			HardwareVersion: "1.0",
			Model:           "Device:2.17",
		},
		ConnReq:          ConnReqConfig{Addr: ":7547"},
		PeriodicInterval: Duration(time.Hour),
		LogLevel:         "info",
	}
}

// Environment variables that override the file, so that passwords need not
// be on the command line (where ps shows them) or in the file.
const (
	envACSPassword     = "CWMPKIT_CPE_ACS_PASSWORD"
	envConnReqPassword = "CWMPKIT_CPE_CR_PASSWORD"
)

// errFlagsReported wraps a flag error that the flag set has already
// printed, with the usage.
var errFlagsReported = errors.New("bad flags")

// options are the flags that are not configuration.
type options struct {
	configFile  string
	checkConfig bool
	// requestDownload is the FileType of a RequestDownload to queue for
	// the next session.
	requestDownload string
}

// newFlagSet returns the flags of cmd/cpe, bound to cfg and opts. The flag
// defaults shown by -help are cfg's values.
func newFlagSet(cfg *Config, opts *options, output io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cpe", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: cpe [flags]\n\nRuns a TR-069 CPE agent until SIGINT or SIGTERM.\n"+
			"Configuration: defaults, then -config FILE (JSON), then %s and %s, then flags.\n\nFlags:\n",
			envACSPassword, envConnReqPassword)
		fs.PrintDefaults()
	}
	fs.StringVar(&opts.configFile, "config", "", "JSON configuration `file` (see cpe.example.json)")
	fs.BoolVar(&opts.checkConfig, "check-config", false, "validate the configuration, print the result and exit (0 valid, 1 not)")
	fs.StringVar(&opts.requestDownload, "request-download", "", "queue a RequestDownload of this `file type` (\"1 Firmware Upgrade Image\", \"3 Vendor Configuration File\", ...) for the next session; it is kept until the ACS acknowledges it")

	fs.StringVar(&cfg.ACS.URL, "acs-url", cfg.ACS.URL, "ACS `URL` (http or https; required)")
	fs.StringVar(&cfg.ACS.Username, "acs-username", cfg.ACS.Username, "username for the ACS")
	fs.StringVar(&cfg.ACS.Password, "acs-password", cfg.ACS.Password, "password for the ACS (prefer "+envACSPassword+")")
	fs.StringVar(&cfg.ACS.CAFile, "ca-file", cfg.ACS.CAFile, "PEM `file` of CA certificates for an https ACS, instead of the system roots")
	fs.BoolVar(&cfg.ACS.InsecureSkipVerify, "insecure-skip-verify", cfg.ACS.InsecureSkipVerify, "accept any ACS certificate (labs only: anyone can impersonate the ACS)")

	fs.StringVar(&cfg.Device.Manufacturer, "manufacturer", cfg.Device.Manufacturer, "DeviceId Manufacturer")
	fs.StringVar(&cfg.Device.OUI, "oui", cfg.Device.OUI, "DeviceId OUI (6 upper-case hex digits)")
	fs.StringVar(&cfg.Device.ProductClass, "product-class", cfg.Device.ProductClass, "DeviceId ProductClass")
	fs.StringVar(&cfg.Device.SerialNumber, "serial", cfg.Device.SerialNumber, "DeviceId SerialNumber (required)")
	fs.StringVar(&cfg.Device.SoftwareVersion, "software-version", cfg.Device.SoftwareVersion, "DeviceInfo.SoftwareVersion")
	fs.StringVar(&cfg.Device.HardwareVersion, "hardware-version", cfg.Device.HardwareVersion, "DeviceInfo.HardwareVersion")
	fs.StringVar(&cfg.Device.Model, "model", cfg.Device.Model, "data `model`: "+strings.Join(datamodel.BuiltinNames(), ", ")+", or Device:2, InternetGatewayDevice:1")

	fs.StringVar(&cfg.StateDir, "state-dir", cfg.StateDir, "`directory` where the agent keeps its state (tree, events, transfers); empty keeps nothing, so every start is a first boot")

	fs.StringVar(&cfg.ConnReq.Addr, "cr-addr", cfg.ConnReq.Addr, "connection-request listen `address`; empty turns connection requests off")
	fs.StringVar(&cfg.ConnReq.URLHost, "cr-url-host", cfg.ConnReq.URLHost, "`host`[:port] written into ConnectionRequestURL (default: the listen address, or the address of the route to the ACS)")
	fs.StringVar(&cfg.ConnReq.Username, "cr-username", cfg.ConnReq.Username, "factory ConnectionRequestUsername (default: the serial number)")
	fs.StringVar(&cfg.ConnReq.Password, "cr-password", cfg.ConnReq.Password, "factory ConnectionRequestPassword (prefer "+envConnReqPassword+")")
	fs.BoolVar(&cfg.ConnReq.Basic, "cr-basic", cfg.ConnReq.Basic, "accept HTTP Basic on connection requests as well as Digest")

	fs.Var(&cfg.PeriodicInterval, "periodic-interval", "factory PeriodicInformInterval as a `duration` (300s, 1h); 0 turns periodic informs off")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log `level`: debug, info, warn or error")
	return fs
}

// loadConfig builds the configuration from args and the environment:
// defaults, the -config file, the environment, then the flags given.
func loadConfig(args []string, getenv func(string) string, output io.Writer) (Config, options, error) {
	// Parse once to learn the flags and the file; then apply the file to
	// the defaults, and the flags that were given on top, by setting them
	// again on a flag set bound to the result.
	var opts options
	scratch := DefaultConfig()
	fs := newFlagSet(&scratch, &opts, output)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, opts, err
		}
		return Config{}, opts, fmt.Errorf("%w: %w", errFlagsReported, err)
	}
	if fs.NArg() > 0 {
		return Config{}, opts, fmt.Errorf("unexpected argument %q (cpe takes only flags)", fs.Arg(0))
	}

	cfg := DefaultConfig()
	if opts.configFile != "" {
		if err := readConfigFile(opts.configFile, &cfg); err != nil {
			return Config{}, opts, err
		}
	}
	if v := getenv(envACSPassword); v != "" {
		cfg.ACS.Password = v
	}
	if v := getenv(envConnReqPassword); v != "" {
		cfg.ConnReq.Password = v
	}
	if len(opts.requestDownload) > 64 {
		return Config{}, opts, fmt.Errorf("-request-download: %d characters; FileType allows at most 64", len(opts.requestDownload))
	}
	final := newFlagSet(&cfg, new(options), io.Discard)
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err == nil {
			err = final.Set(f.Name, f.Value.String())
		}
	})
	return cfg, opts, err
}

// readConfigFile reads a JSON configuration over cfg: what the file leaves
// out keeps its value. Unknown fields are errors, so a misspelt setting is
// not silently ignored.
func readConfigFile(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := lineCol(b, syn.Offset)
			return fmt.Errorf("config %s:%d:%d: %v", path, line, col, syn)
		case errors.As(err, &typ):
			line, col := lineCol(b, typ.Offset)
			return fmt.Errorf("config %s:%d:%d: %s: want a JSON %s, not %s", path, line, col, typ.Field, typ.Type, typ.Value)
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	if dec.More() {
		return fmt.Errorf("config %s: more than one JSON value", path)
	}
	return nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(b []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, int(off) - bytes.LastIndexByte(before, '\n')
}

// Validate checks cfg and normalises it (the model name); each error names
// the setting as the config file spells it, and its flag.
func (cfg *Config) Validate() error {
	var errs []error
	bad := func(field, flagName, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s (-%s): %s", field, flagName, fmt.Sprintf(format, args...)))
	}

	switch u, err := url.Parse(cfg.ACS.URL); {
	case cfg.ACS.URL == "":
		bad("acs.url", "acs-url", "required")
	case err != nil:
		bad("acs.url", "acs-url", "%v", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		bad("acs.url", "acs-url", "%q is not an http:// or https:// URL", cfg.ACS.URL)
	}
	if cfg.ACS.CAFile != "" {
		if _, err := loadCAFile(cfg.ACS.CAFile); err != nil {
			bad("acs.ca_file", "ca-file", "%v", err)
		}
	}

	// DeviceIdStruct (TR-069 Table 33): strings of at most 64 characters,
	// OUI six upper-case hex digits.
	// ProductClass may be empty (a device without product classes).
	for _, f := range []struct {
		field, flag, v string
		required       bool
	}{
		{"device.manufacturer", "manufacturer", cfg.Device.Manufacturer, true},
		{"device.product_class", "product-class", cfg.Device.ProductClass, false},
		{"device.serial_number", "serial", cfg.Device.SerialNumber, true},
	} {
		switch {
		case f.v == "" && f.required:
			bad(f.field, f.flag, "required")
		case len(f.v) > 64:
			bad(f.field, f.flag, "%d characters; DeviceId allows at most 64", len(f.v))
		}
	}
	if !isOUI(cfg.Device.OUI) {
		bad("device.oui", "oui", "%q is not 6 upper-case hexadecimal digits", cfg.Device.OUI)
	}
	if len(cfg.Device.SoftwareVersion) > 64 {
		bad("device.software_version", "software-version", "%d characters; at most 64", len(cfg.Device.SoftwareVersion))
	}
	if len(cfg.Device.HardwareVersion) > 64 {
		bad("device.hardware_version", "hardware-version", "%d characters; at most 64", len(cfg.Device.HardwareVersion))
	}
	if m, ok := resolveModel(cfg.Device.Model); ok {
		cfg.Device.Model = m
	} else {
		bad("device.model", "model", "%q is not a built-in data model (%s, or Device:2, InternetGatewayDevice:1)", cfg.Device.Model, strings.Join(datamodel.BuiltinNames(), ", "))
	}

	if cfg.StateDir != "" {
		if fi, err := os.Stat(cfg.StateDir); err == nil && !fi.IsDir() {
			bad("state_dir", "state-dir", "%s is not a directory", cfg.StateDir)
		}
	}

	if cfg.ConnReq.Addr != "" {
		if _, port, err := net.SplitHostPort(cfg.ConnReq.Addr); err != nil {
			bad("connection_request.addr", "cr-addr", "%q is not host:port (%v)", cfg.ConnReq.Addr, err)
		} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			bad("connection_request.addr", "cr-addr", "port %q is not a number from 0 to 65535", port)
		}
	}
	if strings.ContainsAny(cfg.ConnReq.URLHost, "/?#@ ") {
		bad("connection_request.url_host", "cr-url-host", "%q is not a host or host:port", cfg.ConnReq.URLHost)
	}
	if len(cfg.ConnReq.Username) > 256 {
		bad("connection_request.username", "cr-username", "%d characters; ConnectionRequestUsername allows at most 256", len(cfg.ConnReq.Username))
	}
	if len(cfg.ConnReq.Password) > 256 {
		bad("connection_request.password", "cr-password", "%d characters; ConnectionRequestPassword allows at most 256", len(cfg.ConnReq.Password))
	}

	switch d := time.Duration(cfg.PeriodicInterval); {
	case d < 0:
		bad("periodic_interval", "periodic-interval", "%v is negative", d)
	case d%time.Second != 0:
		bad("periodic_interval", "periodic-interval", "%v is not a whole number of seconds (PeriodicInformInterval counts seconds)", d)
	case d > time.Duration(1<<32-1)*time.Second:
		bad("periodic_interval", "periodic-interval", "%v is more than PeriodicInformInterval can hold", d)
	}
	if _, err := parseLogLevel(cfg.LogLevel); err != nil {
		bad("log_level", "log-level", "%v", err)
	}
	return errors.Join(errs...)
}

// isOUI reports whether s is an OUI as DeviceIdStruct wants it.
func isOUI(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// resolveModel returns the built-in model name meant by name: the name
// itself, or for a major version alone ("Device:2") the newest built-in
// model of that major version.
func resolveModel(name string) (string, bool) {
	names := datamodel.BuiltinNames()
	if slices.Contains(names, name) {
		return name, true
	}
	best, bestMinor := "", -1
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, name+".")
		if !ok {
			continue
		}
		if minor, err := strconv.Atoi(rest); err == nil && minor > bestMinor {
			best, bestMinor = n, minor
		}
	}
	return best, best != ""
}

// parseLogLevel reads a -log-level value.
func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is not debug, info, warn or error", s)
}

// tlsConfig returns the TLS configuration for the ACS: nil (the agent's
// default, system roots) unless a CA file or InsecureSkipVerify is set.
func (c ACSConfig) tlsConfig() (*tls.Config, error) {
	if c.CAFile == "" && !c.InsecureSkipVerify {
		return nil, nil
	}
	tc := &tls.Config{InsecureSkipVerify: c.InsecureSkipVerify}
	if c.CAFile != "" {
		pool, err := loadCAFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("acs.ca_file (-ca-file): %w", err)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// loadCAFile reads a PEM file of CA certificates.
func loadCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}
