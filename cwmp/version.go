package cwmp

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The CWMP namespaces. CWMP 1.2, 1.3 and 1.4 all use cwmp-1-2.
const (
	NS10 = "urn:dslforum-org:cwmp-1-0"
	NS11 = "urn:dslforum-org:cwmp-1-1"
	NS12 = "urn:dslforum-org:cwmp-1-2"
)

// Version is a CWMP protocol version such as 1.4.
type Version struct {
	Major, Minor uint8
}

// The protocol versions this package speaks.
var (
	V1_0 = Version{1, 0}
	V1_1 = Version{1, 1}
	V1_2 = Version{1, 2}
	V1_3 = Version{1, 3}
	V1_4 = Version{1, 4}
)

// Versions lists every version this package supports, lowest first.
var Versions = []Version{V1_0, V1_1, V1_2, V1_3, V1_4}

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// IsZero reports whether v is the zero Version (no version).
func (v Version) IsZero() bool { return v == Version{} }

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	return v.Major < w.Major || v.Major == w.Major && v.Minor < w.Minor
}

// Namespace returns the XML namespace a message of version v uses, or "" for
// a version this package does not know.
func (v Version) Namespace() string {
	switch v {
	case V1_0:
		return NS10
	case V1_1:
		return NS11
	case V1_2, V1_3, V1_4:
		return NS12
	}
	return ""
}

// ParseVersion parses "1.4".
func ParseVersion(s string) (Version, error) {
	maj, min, ok := strings.Cut(strings.TrimSpace(s), ".")
	a, err1 := strconv.ParseUint(maj, 10, 8)
	b, err2 := strconv.ParseUint(min, 10, 8)
	if !ok || err1 != nil || err2 != nil {
		return Version{}, fmt.Errorf("cwmp: %q is not a CWMP version (want major.minor, such as 1.4)", s)
	}
	return Version{uint8(a), uint8(b)}, nil
}

// ParseVersions parses a SupportedCWMPVersions list ("1.0,1.1,1.2,1.3,1.4").
// White space around entries and empty entries are tolerated.
func ParseVersions(s string) ([]Version, error) {
	var out []Version
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		v, err := ParseVersion(f)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// FormatVersions writes a SupportedCWMPVersions list.
func FormatVersions(vs []Version) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, ",")
}

// NamespaceVersion returns the newest version that uses namespace ns.
// Without a SupportedCWMPVersions header, that is all an ACS can know of a
// CPE's version from the namespace of its Inform; it returns false for a
// namespace that is not a CWMP one.
func NamespaceVersion(ns string) (Version, bool) {
	switch ns {
	case NS10:
		return V1_0, true
	case NS11:
		return V1_1, true
	case NS12:
		return V1_2, true
	}
	return Version{}, false
}

// Negotiate chooses the CWMP version for a session, as an ACS that speaks
// the versions in acs does on receiving an Inform in namespace informNS with
// the SupportedCWMPVersions header cpe (nil when absent) (TR-069 Amendment 5
// section 3.7.1.6 and A.2.2). The answer is the newest version both sides
// support; the ACS then sends UseCWMPVersion with it when the CPE sent
// SupportedCWMPVersions. A CPE without the header speaks the version of its
// namespace (1.2 standing for 1.2 and 1.3). When nothing is in common, the
// error is a *Fault to answer the Inform with: 8006 ACS version
// incompatible with CPE.
func Negotiate(informNS string, cpe, acs []Version) (Version, error) {
	if len(cpe) == 0 {
		v, ok := NamespaceVersion(informNS)
		if !ok {
			return Version{}, NewFault(FaultACSVersionIncompatible, "unknown CWMP namespace %q", informNS)
		}
		if !slices.Contains(acs, v) {
			return Version{}, NewFault(FaultACSVersionIncompatible, "CWMP %s (from namespace %s) is not supported by this ACS", v, informNS)
		}
		return v, nil
	}
	var best Version
	for _, v := range cpe {
		if slices.Contains(acs, v) && best.Less(v) {
			best = v
		}
	}
	if best.IsZero() {
		return Version{}, NewFault(FaultACSVersionIncompatible, "no CWMP version in common: CPE supports %s, ACS supports %s", FormatVersions(cpe), FormatVersions(acs))
	}
	return best, nil
}
