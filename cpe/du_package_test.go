package cpe

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDeploymentUnitPackageRoundTrip(t *testing.T) {
	b := BuildDeploymentUnit("sample1", "1.2.3", "example.com", []string{"daemon", "cli"})
	p, err := parseDeploymentUnit(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "sample1" || p.Version != "1.2.3" || p.Vendor != "example.com" || p.UUID != "" || !slices.Equal(p.Units, []string{"daemon", "cli"}) {
		t.Errorf("parsed %+v", p)
	}
	crlf := strings.ReplaceAll("CWMPKIT-DU1\nname: x\nVERSION: 2\nVendor: v.example\nDescription: a unit\nExecEnvType: Linux\nUUID: 11111111-2222-5333-8444-555555555555\n\n\npayload starting with a newline\n", "\n", "\r\n")
	p, err = parseDeploymentUnit([]byte(crlf))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "x" || p.Description != "a unit" || p.ExecEnvType != "Linux" || p.UUID != "11111111-2222-5333-8444-555555555555" || len(p.Units) != 0 {
		t.Errorf("parsed %+v", p)
	}
	if _, err := parseDeploymentUnit([]byte("CWMPKIT-DU1\nName: n\nVersion: 1\nVendor: v")); err != nil {
		t.Errorf("header without payload: %v", err)
	}
}

func TestDeploymentUnitPackageErrors(t *testing.T) {
	const head = "CWMPKIT-DU1\nName: n\nVersion: 1\nVendor: v\n"
	for _, tc := range []struct{ name, pkg, want string }{
		{"magic", "CWMPKIT-DU2\nName: n\nVersion: 1\nVendor: v\n\n", "first line"},
		{"empty", "", "first line"},
		{"no name", "CWMPKIT-DU1\nVersion: 1\nVendor: v\n\n", "no Name"},
		{"no version", "CWMPKIT-DU1\nName: n\nVendor: v\n\n", "no Version"},
		{"no vendor", "CWMPKIT-DU1\nName: n\nVersion: 1\n\n", "no Vendor"},
		{"not key value", head + "junk\n\n", "not \"Key: Value\""},
		{"unknown key", head + "Color: red\n\n", "unknown key"},
		{"twice", head + "name: m\n\n", "given twice"},
		{"long version", "CWMPKIT-DU1\nName: n\nVersion: " + strings.Repeat("1", 33) + "\nVendor: v\n\n", "Version is longer"},
		{"bad UUID", head + "UUID: 1234\n\n", "UUID"},
		{"bad unit", head + "ExecutionUnits: a,b c\n\n", "may hold only"},
		{"empty unit", head + "ExecutionUnits: a,,b\n\n", "may hold only"},
		{"unit twice", head + "ExecutionUnits: a,a\n\n", "listed twice"},
		{"too many units", head + "ExecutionUnits: " + strings.Repeat("u,", maxUnitsPerDU) + "z\n\n", "execution units"},
		{"checksum", head + "SHA256: 00\n\npayload", "SHA256"},
		{"control", head + "Description: a\x01b\n\n", "control"},
		{"huge header", head + "Description: " + strings.Repeat("d", maxPackageHeader) + "\n\n", "header longer"},
	} {
		_, err := parseDeploymentUnit([]byte(tc.pkg))
		if !errors.Is(err, errPackage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestDeploymentUnitUUIDAnnexC checks duUUID against values computed
// independently (Python's uuid.uuid5(uuid.NAMESPACE_DNS, fqdn)) for the
// examples of TR-181 Annex C.2.
func TestDeploymentUnitUUIDAnnexC(t *testing.T) {
	for _, tc := range []struct{ name, vendor, want string }{
		{"sample1", "broadband-forum.org", "fe2d23bd-dd02-51b8-af04-f5c18b2b0aa6"},  // "sample1.broadband-forum.org."
		{"sample.1", "broadband-forum.org", "0fbf4583-efd7-51b6-8483-7b347f4b521d"}, // "sample%2e1.broadband-forum.org."
	} {
		if got := duUUID(tc.name, tc.vendor); got != tc.want {
			t.Errorf("duUUID(%q, %q) = %s, want %s", tc.name, tc.vendor, got, tc.want)
		}
	}
}

func TestDeploymentUnitCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1", "1", 0},
		{"1.2", "1.2.0", 0},
		{"1.2", "1.10", -1},
		{"2", "1.99", 1},
		{"1.0-rc1", "1.0-rc2", -1},
		{"1.0.1", "1.0", 1},
		{"1.a", "1.b", -1},
	} {
		if got := compareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := compareVersions(tc.b, tc.a); got != -tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}
