package cwmp

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// FaultCode is a CWMP fault code: 9000-9899 for faults a CPE returns,
// 8000-8899 for faults an ACS returns (TR-069 A.5). 9800-9899 and 8800-8899
// are vendor-defined. In FaultStruct, 0 means no fault.
type FaultCode uint32

// CPE fault codes (TR-069 Table 72).
const (
	FaultMethodNotSupported      FaultCode = 9000
	FaultRequestDenied           FaultCode = 9001
	FaultInternalError           FaultCode = 9002
	FaultInvalidArguments        FaultCode = 9003
	FaultResourcesExceeded       FaultCode = 9004
	FaultInvalidParameterName    FaultCode = 9005
	FaultInvalidParameterType    FaultCode = 9006
	FaultInvalidParameterValue   FaultCode = 9007
	FaultNotWritable             FaultCode = 9008
	FaultNotificationRejected    FaultCode = 9009
	FaultDownloadFailure         FaultCode = 9010
	FaultUploadFailure           FaultCode = 9011
	FaultTransferAuthentication  FaultCode = 9012
	FaultUnsupportedProtocol     FaultCode = 9013
	FaultMulticastJoin           FaultCode = 9014
	FaultFileServerUnreachable   FaultCode = 9015
	FaultFileAccess              FaultCode = 9016
	FaultDownloadIncomplete      FaultCode = 9017
	FaultFileCorrupted           FaultCode = 9018
	FaultFileAuthentication      FaultCode = 9019
	FaultTimeWindowsExpired      FaultCode = 9020
	FaultCancelNotPermitted      FaultCode = 9021
	FaultInvalidUUID             FaultCode = 9022
	FaultUnknownExecutionEnv     FaultCode = 9023
	FaultDisabledExecutionEnv    FaultCode = 9024
	FaultDUExecutionEnvMismatch  FaultCode = 9025
	FaultDuplicateDU             FaultCode = 9026
	FaultSystemResourcesExceeded FaultCode = 9027
	FaultUnknownDU               FaultCode = 9028
	FaultInvalidDUState          FaultCode = 9029
	FaultDUDowngradeNotPermitted FaultCode = 9030
	FaultDUVersionNotSpecified   FaultCode = 9031
	FaultDUVersionExists         FaultCode = 9032
	FaultACSMethodNotSupported   FaultCode = 8000
	FaultACSRequestDenied        FaultCode = 8001
	FaultACSInternalError        FaultCode = 8002
	FaultACSInvalidArguments     FaultCode = 8003
	FaultACSResourcesExceeded    FaultCode = 8004
	FaultACSRetryRequest         FaultCode = 8005
	FaultACSVersionIncompatible  FaultCode = 8006
)

const (
	faultCPEFirst       FaultCode = 9000
	faultCPEVendorFirst FaultCode = 9800
	faultCPELast        FaultCode = 9899
	faultACSFirst       FaultCode = 8000
	faultACSVendorFirst FaultCode = 8800
	faultACSLast        FaultCode = 8899
)

type faultInfo struct {
	text   string
	client bool // the SOAP faultcode is Client (the request was at fault) rather than Server
}

// faults holds the meaning and SOAP fault type of every standard code, from
// TR-069 Amendment 6 Tables 72 (CPE) and 73 (ACS).
var faults = map[FaultCode]faultInfo{
	9000: {"Method not supported", false},
	9001: {"Request denied (no reason specified)", false},
	9002: {"Internal error", false},
	9003: {"Invalid arguments", true},
	9004: {"Resources exceeded", false},
	9005: {"Invalid parameter name", true},
	9006: {"Invalid parameter type", true},
	9007: {"Invalid parameter value", true},
	9008: {"Attempt to set a non-writable parameter", true},
	9009: {"Notification request rejected", false},
	9010: {"File transfer failure", false},
	9011: {"Upload failure", false},
	9012: {"File transfer server authentication failure", false},
	9013: {"Unsupported protocol for file transfer", false},
	9014: {"File transfer failure: unable to join multicast group", false},
	9015: {"File transfer failure: unable to contact file server", false},
	9016: {"File transfer failure: unable to access file", false},
	9017: {"File transfer failure: unable to complete download", false},
	9018: {"File transfer failure: file corrupted or otherwise unusable", false},
	9019: {"File transfer failure: file authentication failure", false},
	9020: {"File transfer failure: unable to complete download within specified time windows", true},
	9021: {"Cancelation of file transfer not permitted in current transfer state", true},
	9022: {"Invalid UUID format", false},
	9023: {"Unknown Execution Environment", false},
	9024: {"Disabled Execution Environment", false},
	9025: {"Deployment Unit to Execution Environment mismatch", false},
	9026: {"Duplicate Deployment Unit", false},
	9027: {"System resources exceeded", false},
	9028: {"Unknown Deployment Unit", false},
	9029: {"Invalid Deployment Unit state", false},
	9030: {"Invalid Deployment Unit update: downgrade not permitted", false},
	9031: {"Invalid Deployment Unit update: version not specified", false},
	9032: {"Invalid Deployment Unit update: version already exists", false},
	8000: {"Method not supported", false},
	8001: {"Request denied (no reason specified)", false},
	8002: {"Internal error", false},
	8003: {"Invalid arguments", true},
	8004: {"Resources exceeded", false},
	8005: {"Retry request", false},
	8006: {"ACS version incompatible with CPE", false},
}

// String returns the meaning of the code as TR-069 words it, or a
// description of its range for codes the spec leaves open.
func (c FaultCode) String() string {
	if f, ok := faults[c]; ok {
		return f.text
	}
	switch {
	case c == 0:
		return "No fault"
	case c.IsVendor():
		return "Vendor-defined fault " + strconv.FormatUint(uint64(c), 10)
	case c.IsCPE(), c.IsACS():
		return "Reserved fault " + strconv.FormatUint(uint64(c), 10)
	}
	return "Fault " + strconv.FormatUint(uint64(c), 10)
}

// IsCPE reports whether the code is in the range a CPE returns (9000-9899).
func (c FaultCode) IsCPE() bool { return c >= faultCPEFirst && c <= faultCPELast }

// IsACS reports whether the code is in the range an ACS returns (8000-8899).
func (c FaultCode) IsACS() bool { return c >= faultACSFirst && c <= faultACSLast }

// IsVendor reports whether the code is vendor-defined (9800-9899, 8800-8899).
func (c FaultCode) IsVendor() bool {
	return c >= faultCPEVendorFirst && c <= faultCPELast || c >= faultACSVendorFirst && c <= faultACSLast
}

// SOAPCode returns the SOAP faultcode TR-069 pairs with the code: "Client"
// when the request was at fault, "Server" otherwise (and for codes it does
// not define).
func (c FaultCode) SOAPCode() string {
	if faults[c].client {
		return "Client"
	}
	return "Server"
}

// ParameterFault is one parameter's failure inside a SetParameterValues
// fault (9003 with the individual causes).
type ParameterFault struct {
	ParameterName string
	FaultCode     FaultCode
	FaultString   string
}

// Fault is a SOAP fault. For CWMP faults Code is set and the fault carries
// the cwmp:Fault detail; a SOAP-level fault such as MustUnderstand has Code 0
// and no detail. Fault is also an error, so handlers return it as one.
type Fault struct {
	// SOAPCode is the SOAP faultcode without prefix: "Client", "Server",
	// "MustUnderstand" or "VersionMismatch". Empty means Code.SOAPCode().
	SOAPCode string
	// SOAPString is the faultstring; empty means "CWMP fault".
	SOAPString string
	Code       FaultCode
	String     string // FaultString: the human-readable cause
	// SetParameterValuesFault lists each failing parameter of a
	// SetParameterValues with its own code.
	SetParameterValuesFault []ParameterFault
}

// NewFault returns a CWMP fault with code and a formatted description; an
// empty format gives the code's standard meaning.
func NewFault(code FaultCode, format string, args ...any) *Fault {
	s := code.String()
	if format != "" {
		s = fmt.Sprintf(format, args...)
	}
	return &Fault{Code: code, String: s}
}

// MethodName returns "Fault", so a Fault can be the body of an envelope.
func (*Fault) MethodName() string { return "Fault" }
func (*Fault) cpeResponse()       {}
func (*Fault) acsResponse()       {}

// Error describes the fault.
func (f *Fault) Error() string {
	if f.Code == 0 {
		code := f.SOAPCode
		if code == "" {
			code = "Server"
		}
		return "cwmp: SOAP fault " + code + ": " + f.SOAPString
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cwmp: fault %d (%s)", f.Code, f.Code)
	if f.String != "" && f.String != f.Code.String() {
		b.WriteString(": ")
		b.WriteString(f.String)
	}
	for _, p := range f.SetParameterValuesFault {
		fmt.Fprintf(&b, "; %s: %d", p.ParameterName, p.FaultCode)
		if p.FaultString != "" {
			b.WriteString(" " + p.FaultString)
		}
	}
	return b.String()
}

// AsFault returns the *Fault in err's chain, if any.
func AsFault(err error) (*Fault, bool) {
	var f *Fault
	ok := errors.As(err, &f)
	return f, ok
}

// faultDetail is the cwmp:Fault element inside a SOAP fault's detail.
type faultDetail struct {
	FaultCode               FaultCode
	FaultString             string
	SetParameterValuesFault []ParameterFault `cwmp:",repeated"`
}

func (f *Fault) encodeXML(e *encoder) {
	code := f.SOAPCode
	if code == "" {
		code = f.Code.SOAPCode()
	}
	str := f.SOAPString
	if str == "" {
		str = "CWMP fault"
	}
	e.open("soap-env:Fault")
	// SOAP 1.1 would qualify the code (soap-env:Client); TR-069's own
	// examples write it bare, and that is what CPE parsers compare against.
	e.str("faultcode", code)
	e.str("faultstring", str)
	if f.Code != 0 {
		e.open("detail")
		e.open("cwmp:Fault")
		e.uint("FaultCode", uint64(f.Code))
		e.str("FaultString", f.String)
		for _, p := range f.SetParameterValuesFault {
			e.open("SetParameterValuesFault")
			e.str("ParameterName", p.ParameterName)
			e.uint("FaultCode", uint64(p.FaultCode))
			e.str("FaultString", p.FaultString)
			e.close("SetParameterValuesFault")
		}
		e.close("cwmp:Fault")
		e.close("detail")
	}
	e.close("soap-env:Fault")
}

// decodeXML reads a soap Fault element. It accepts the faultcode with any
// prefix or none ("Client", "soap:Client"), a missing detail, and the
// cwmp:Fault put straight into the Body without the SOAP wrapper.
func (f *Fault) decodeXML(d *xdoc, n int32, path string) error {
	detail := n
	if c := d.child(n, "faultcode"); c != noNode {
		f.SOAPCode = localPart(strings.TrimSpace(d.nodes[c].text))
	}
	if c := d.child(n, "faultstring"); c != noNode {
		f.SOAPString = strings.TrimSpace(d.nodes[c].text)
	}
	if d.child(n, "FaultCode") == noNode {
		detail = noNode
		if c := d.child(n, "detail"); c != noNode {
			detail = d.child(c, "Fault")
		}
	}
	if detail == noNode {
		return nil
	}
	var w faultDetail
	if err := decodeStruct(d, detail, planFor(reflect.TypeFor[faultDetail]()), reflect.ValueOf(&w).Elem(), path+"/detail/Fault"); err != nil {
		return err
	}
	f.Code, f.String, f.SetParameterValuesFault = w.FaultCode, w.FaultString, w.SetParameterValuesFault
	return nil
}
