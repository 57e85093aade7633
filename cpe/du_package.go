package cpe

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Deployment-unit packages of the simulated execution environment.
//
// A real execution environment installs OSGi bundles, OCI images or
// opkg packages. The simulated one installs a small text format, so tests,
// labs and the fleet simulator can serve deployment units from any HTTP
// server (cpe/SOFTWARE.md has the whole description):
//
//	CWMPKIT-DU1
//	Name: sample1
//	Version: 1.0.2
//	Vendor: example.com
//	UUID: 9b1e5d3c-1f0a-5c5e-8a53-0c4e6f0b8f41   (optional)
//	Description: a sample deployment unit       (optional)
//	ExecEnvType: Linux                          (optional)
//	ExecutionUnits: daemon,cli                  (optional)
//	SHA256: <hex digest of the payload>         (optional)
//
//	<payload: any bytes, ignored>
//
// The first line is the magic; then "Key: Value" header lines, each key at
// most once, up to an empty line; the rest is the payload. Lines may end
// in CRLF. Name, Version and Vendor are required. Unknown keys are errors,
// so a typo does not install a unit that silently lacks what was meant.

// duMagic is the first line of every package.
const duMagic = "CWMPKIT-DU1"

// Bounds on packages and their fields. The field lengths fit the
// DeploymentUnit and ExecutionUnit parameters of every model the agent
// loads (TR-181 Issue 2 and TR-157 as used by TR-098 and TR-181 Issue 1).
const (
	maxPackageSize   = 16 << 20 // bytes; larger packages fail with 9027 (system resources exceeded)
	maxPackageHeader = 8 << 10  // bytes of header before the empty line
	maxUnitsPerDU    = 16
	maxDUNameLen     = 64
	maxDUVersionLen  = 32
	maxDUVendorLen   = 128
	maxDUDescLen     = 256
	maxEUNameLen     = 32
)

// duPackage is a parsed deployment-unit package.
type duPackage struct {
	Name        string
	Version     string
	Vendor      string
	UUID        string // "" when the package does not carry one
	Description string
	ExecEnvType string   // "" means any execution environment
	Units       []string // execution unit names, in package order
}

// BuildDeploymentUnit returns a package of the simulated execution
// environment (see cpe/SOFTWARE.md) for a deployment unit with the given
// name, version and vendor (the vendor's domain name, from which with name
// the device derives the DU's UUID, TR-181 Annex C) holding one execution
// unit per name in units. The payload is a line of text and the package
// carries its SHA256. Tests, labs and the simulator serve what it returns
// over HTTP as the URL of a ChangeDUState Install or Update.
func BuildDeploymentUnit(name, version, vendor string, units []string) []byte {
	payload := fmt.Sprintf("simulated deployment unit %s %s by %s\n", name, version, vendor)
	sum := sha256.Sum256([]byte(payload))
	var b bytes.Buffer
	b.WriteString(duMagic + "\n")
	fmt.Fprintf(&b, "Name: %s\n", name)
	fmt.Fprintf(&b, "Version: %s\n", version)
	fmt.Fprintf(&b, "Vendor: %s\n", vendor)
	if len(units) > 0 {
		fmt.Fprintf(&b, "ExecutionUnits: %s\n", strings.Join(units, ","))
	}
	fmt.Fprintf(&b, "SHA256: %s\n", hex.EncodeToString(sum[:]))
	b.WriteString("\n")
	b.WriteString(payload)
	return b.Bytes()
}

// errPackage is the root of every package format error.
var errPackage = errors.New("cpe: not a valid deployment unit package")

// unitNamePattern is what an execution unit name may contain: it becomes
// part of ExecEnvLabel and of the comma-separated ExecutionUnits header.
var unitNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// parseDeploymentUnit parses a package. Errors wrap errPackage and say
// what is wrong and where.
func parseDeploymentUnit(data []byte) (*duPackage, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errPackage, fmt.Sprintf(format, args...))
	}
	header, payload := data, []byte(nil)
	end, sep := bytes.Index(data, []byte("\n\n")), 2
	if crlf := bytes.Index(data, []byte("\r\n\r\n")); crlf >= 0 && (end < 0 || crlf < end) {
		end, sep = crlf, 4
	}
	if end >= 0 {
		header, payload = data[:end], data[end+sep:]
	}
	if len(header) > maxPackageHeader {
		return nil, bad("header longer than %d bytes", maxPackageHeader)
	}
	lines := strings.Split(strings.ReplaceAll(string(header), "\r\n", "\n"), "\n")
	if lines[0] != duMagic {
		return nil, bad("first line is %q, want %q", clip(lines[0], 40), duMagic)
	}
	p := new(duPackage)
	var sum string
	seen := make(map[string]bool)
	for n, line := range lines[1:] {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, bad("line %d: %q is not \"Key: Value\"", n+2, clip(line, 40))
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		canon := strings.ToLower(key)
		if seen[canon] {
			return nil, bad("line %d: %s given twice", n+2, key)
		}
		seen[canon] = true
		if !printable(value) {
			return nil, bad("line %d: %s holds control characters", n+2, key)
		}
		switch canon {
		case "name":
			p.Name = value
		case "version":
			p.Version = value
		case "vendor":
			p.Vendor = value
		case "uuid":
			p.UUID = value
		case "description":
			p.Description = value
		case "execenvtype":
			p.ExecEnvType = value
		case "executionunits":
			if value != "" {
				p.Units = strings.Split(value, ",")
			}
		case "sha256":
			sum = strings.ToLower(value)
		default:
			return nil, bad("line %d: unknown key %q", n+2, clip(key, 40))
		}
	}
	for _, f := range []struct {
		key, value string
		max        int
	}{
		{"Name", p.Name, maxDUNameLen},
		{"Version", p.Version, maxDUVersionLen},
		{"Vendor", p.Vendor, maxDUVendorLen},
	} {
		if f.value == "" {
			return nil, bad("no %s", f.key)
		}
		if len(f.value) > f.max {
			return nil, bad("%s is longer than %d bytes", f.key, f.max)
		}
	}
	if len(p.Description) > maxDUDescLen {
		return nil, bad("Description is longer than %d bytes", maxDUDescLen)
	}
	if p.UUID != "" && !validUUID(p.UUID) {
		return nil, bad("UUID %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", clip(p.UUID, 40))
	}
	if len(p.Units) > maxUnitsPerDU {
		return nil, bad("%d execution units, at most %d", len(p.Units), maxUnitsPerDU)
	}
	units := make(map[string]bool, len(p.Units))
	for i, u := range p.Units {
		u = strings.TrimSpace(u)
		p.Units[i] = u
		switch {
		case len(u) > maxEUNameLen:
			return nil, bad("execution unit %q is longer than %d bytes", clip(u, 40), maxEUNameLen)
		case !unitNamePattern.MatchString(u):
			return nil, bad("execution unit name %q may hold only letters, digits, '.', '_' and '-'", clip(u, 40))
		case units[u]:
			return nil, bad("execution unit %q listed twice", u)
		}
		units[u] = true
	}
	if sum != "" {
		got := sha256.Sum256(payload)
		if hex.EncodeToString(got[:]) != sum {
			return nil, bad("payload does not match its SHA256 (the package is corrupted)")
		}
	}
	return p, nil
}

// printable reports whether s holds no control characters.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// uuidPattern is DeploymentUnitUUID of cwmp-1-2.xsd (and the UUID
// parameter's pattern in TR-181).
var uuidPattern = regexp.MustCompile(`^[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)

// validUUID reports whether s has the form of a UUID.
func validUUID(s string) bool { return uuidPattern.MatchString(s) }

// nilUUID is what a result carries when the operation failed before the
// DU's UUID was known: OpResultStruct.UUID must match the UUID pattern
// (cwmp-1-2.xsd DeploymentUnitUUID), so an empty string would not do.
const nilUUID = "00000000-0000-0000-0000-000000000000"

// dnsNamespace is the RFC 4122 Appendix C name space ID for fully
// qualified domain names, which TR-181 Annex C.2 requires for DU UUIDs.
var dnsNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// duUUID returns the version 5 UUID of a deployment unit as TR-181
// Annex C.2 defines it: RFC 4122 section 4.3 over the DNS name space with
// the DU's FQDN "<Name>.<Vendor>." as the name, where every byte of Name
// other than 0-9, a-z, A-Z, '_' and '-' is percent-encoded ("sample.1"
// becomes "sample%2e1"). The ACS computes the same value, so a DU installed
// without a UUID is still known to it.
func duUUID(name, vendor string) string {
	var fqdn strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' {
			fqdn.WriteByte(c)
			continue
		}
		fmt.Fprintf(&fqdn, "%%%02x", c)
	}
	fqdn.WriteString("." + vendor + ".")
	h := sha1.New()
	h.Write(dnsNamespace[:])
	h.Write([]byte(fqdn.String()))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	x := hex.EncodeToString(u[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// fetchDeploymentUnit downloads the package at rawURL, authenticating with
// username and password (Basic or Digest, whichever the server asks for)
// when username is set, and maps each failure to the fault code TR-069 gives
// it for downloads (A.3.2.8), which DeploymentUnitFaultStruct allows too.
// The HTTP failures are mapped as for transfers (requestFault, statusFault):
//
//   - 9013 the scheme is not http or https;
//   - 9015 the server cannot be reached (DNS, connect, timeout before a
//     response);
//   - 9012 the server refused the credentials (401, and 403 when
//     credentials were sent) or its TLS certificate does not verify;
//   - 9016 any other status than 2xx (404 and the like: the file cannot be
//     accessed);
//   - 9017 the body ended early or the transfer broke off;
//   - 9027 the package is larger than maxPackageSize.
func fetchDeploymentUnit(ctx context.Context, client *http.Client, rawURL, username, password string) ([]byte, *cwmp.Fault) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "URL %q: %v", clip(rawURL, 80), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, cwmp.NewFault(cwmp.FaultUnsupportedProtocol, "URL %q: scheme %q is not supported (http, https)", clip(rawURL, 80), u.Scheme)
	}
	if u.Host == "" {
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "URL %q names no host", clip(rawURL, 80))
	}
	if username != "" {
		c := *client
		c.Transport = &cwmp.Transport{Auth: &cwmp.ClientAuth{Username: username, Password: password}, Base: client.Transport}
		client = &c
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "URL %q: %v", clip(rawURL, 80), err)
	}
	resp, err := client.Do(req)
	if err != nil {
		f := requestFault(err, false)
		return nil, cwmp.NewFault(f.FaultCode, "GET %s: %s", u.Redacted(), f.FaultString)
	}
	defer resp.Body.Close()
	if f, failed := statusFault(resp, username != "" || password != "", false); failed {
		return nil, cwmp.NewFault(f.FaultCode, "GET %s: %s", u.Redacted(), f.FaultString)
	}
	switch {
	case resp.ContentLength > maxPackageSize:
		return nil, cwmp.NewFault(cwmp.FaultSystemResourcesExceeded, "GET %s: %d bytes, more than the %d the execution environment has room for", u.Redacted(), resp.ContentLength, maxPackageSize)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPackageSize+1))
	if err != nil {
		return nil, cwmp.NewFault(cwmp.FaultDownloadIncomplete, "GET %s: after %d bytes: %v", u.Redacted(), len(data), err)
	}
	if len(data) > maxPackageSize {
		return nil, cwmp.NewFault(cwmp.FaultSystemResourcesExceeded, "GET %s: more than the %d bytes the execution environment has room for", u.Redacted(), maxPackageSize)
	}
	return data, nil
}

// compareVersions orders two DU versions: dot- or hyphen-separated parts
// compared numerically when both are numbers and as text otherwise, a
// missing part counting as "0" ("1.2" == "1.2.0" < "1.10" < "2"). Versions
// are execution-environment specific (TR-181 DeploymentUnit.Version); this
// is the simulated environment's rule.
func compareVersions(a, b string) int {
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '-' })
	}
	pa, pb := split(a), split(b)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, errx := strconv.ParseUint(x, 10, 64)
		ny, erry := strconv.ParseUint(y, 10, 64)
		switch {
		case errx == nil && erry == nil:
			if nx != ny {
				if nx < ny {
					return -1
				}
				return 1
			}
		case x != y:
			return strings.Compare(x, y)
		}
	}
	return 0
}
