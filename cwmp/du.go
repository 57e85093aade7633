package cwmp

import (
	"fmt"
	"time"
)

// Operation is one operation of ChangeDUState: *InstallOpStruct,
// *UpdateOpStruct or *UninstallOpStruct. On the wire each is an Operations
// element whose xsi:type names the struct.
type Operation interface {
	OperationType() string
}

// InstallOpStruct installs a deployment unit from URL.
type InstallOpStruct struct {
	URL             string
	UUID            string `cwmp:",omitempty"`
	Username        string `cwmp:",omitempty"`
	Password        string `cwmp:",omitempty"`
	ExecutionEnvRef string `cwmp:",omitempty"`
}

// UpdateOpStruct updates deployment units (all of them when UUID and URL
// are empty).
type UpdateOpStruct struct {
	UUID     string `cwmp:",omitempty"`
	Version  string `cwmp:",omitempty"`
	URL      string `cwmp:",omitempty"`
	Username string `cwmp:",omitempty"`
	Password string `cwmp:",omitempty"`
}

// UninstallOpStruct uninstalls a deployment unit.
type UninstallOpStruct struct {
	UUID            string
	Version         string `cwmp:",omitempty"`
	ExecutionEnvRef string `cwmp:",omitempty"`
}

// OperationType returns the xsi:type of the operation.
func (*InstallOpStruct) OperationType() string { return "InstallOpStruct" }

// OperationType returns the xsi:type of the operation.
func (*UpdateOpStruct) OperationType() string { return "UpdateOpStruct" }

// OperationType returns the xsi:type of the operation.
func (*UninstallOpStruct) OperationType() string { return "UninstallOpStruct" }

func newOperation(typ string) (Operation, error) {
	switch typ {
	case "InstallOpStruct":
		return new(InstallOpStruct), nil
	case "UpdateOpStruct":
		return new(UpdateOpStruct), nil
	case "UninstallOpStruct":
		return new(UninstallOpStruct), nil
	}
	return nil, fmt.Errorf("%w %q (want InstallOpStruct, UpdateOpStruct or UninstallOpStruct in xsi:type)", errUnknownOperation, typ)
}

// ChangeDUState installs, updates and uninstalls software modules (CWMP 1.2,
// TR-069 A.4.1.10). The result comes later in DUStateChangeComplete.
type ChangeDUState struct {
	cpeReq
	Operations []Operation `cwmp:"Operations,repeated"`
	CommandKey string
}

// ChangeDUStateResponse acknowledges ChangeDUState.
type ChangeDUStateResponse struct{ cpeResp }

// DeploymentUnitFaultStruct is the outcome of one operation: FaultCode 0 is
// success.
type DeploymentUnitFaultStruct struct {
	FaultCode   FaultCode
	FaultString string
}

// Deployment unit states of OpResultStruct.CurrentState.
const (
	DUInstalled   = "Installed"
	DUUninstalled = "Uninstalled"
	DUFailed      = "Failed"
)

// OpResultStruct is the result of one ChangeDUState operation.
type OpResultStruct struct {
	UUID                 string
	DeploymentUnitRef    string
	Version              string
	CurrentState         string
	Resolved             bool
	ExecutionUnitRefList string
	StartTime            time.Time
	CompleteTime         time.Time
	Fault                DeploymentUnitFaultStruct
}

// AutonOpResultStruct is the result of an operation the CPE did on its own.
type AutonOpResultStruct struct {
	OpResultStruct
	OperationPerformed string // "Install", "Update" or "Uninstall"
}

// DUStateChangeComplete reports the results of a ChangeDUState.
type DUStateChangeComplete struct {
	acsReq
	Results    []OpResultStruct `cwmp:"Results,repeated"`
	CommandKey string
}

// DUStateChangeCompleteResponse acknowledges DUStateChangeComplete.
type DUStateChangeCompleteResponse struct{ acsResp }

// AutonomousDUStateChangeComplete reports operations the ACS did not request.
type AutonomousDUStateChangeComplete struct {
	acsReq
	Results []AutonOpResultStruct `cwmp:"Results,repeated"`
}

// AutonomousDUStateChangeCompleteResponse acknowledges
// AutonomousDUStateChangeComplete.
type AutonomousDUStateChangeCompleteResponse struct{ acsResp }

func init() {
	register(
		(*ChangeDUState)(nil), (*ChangeDUStateResponse)(nil),
		(*DUStateChangeComplete)(nil), (*DUStateChangeCompleteResponse)(nil),
		(*AutonomousDUStateChangeComplete)(nil), (*AutonomousDUStateChangeCompleteResponse)(nil),
	)
}

func (*ChangeDUState) MethodName() string                 { return "ChangeDUState" }
func (*ChangeDUStateResponse) MethodName() string         { return "ChangeDUStateResponse" }
func (*DUStateChangeComplete) MethodName() string         { return "DUStateChangeComplete" }
func (*DUStateChangeCompleteResponse) MethodName() string { return "DUStateChangeCompleteResponse" }
func (*AutonomousDUStateChangeComplete) MethodName() string {
	return "AutonomousDUStateChangeComplete"
}
func (*AutonomousDUStateChangeCompleteResponse) MethodName() string {
	return "AutonomousDUStateChangeCompleteResponse"
}
