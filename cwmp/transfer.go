package cwmp

import "time"

// File types of Download and ScheduleDownload (TR-069 A.3.2.8). Vendor
// types are written "X <OUI> <name>".
const (
	FileFirmwareImage       = "1 Firmware Upgrade Image"
	FileWebContent          = "2 Web Content"
	FileVendorConfiguration = "3 Vendor Configuration File"
	FileTone                = "4 Tone File"
	FileRinger              = "5 Ringer File"
	FileStoredFirmwareImage = "6 Stored Firmware Image"
)

// File types of Upload (TR-069 A.4.1.5). The "Instance" forms are followed
// by a space and the instance number of the VendorConfigFile or VendorLogFile
// object: "3 Vendor Configuration File 2".
const (
	UploadVendorConfiguration         = "1 Vendor Configuration File"
	UploadVendorLog                   = "2 Vendor Log File"
	UploadVendorConfigurationInstance = "3 Vendor Configuration File"
	UploadVendorLogInstance           = "4 Vendor Log File"
)

// Transfer states of GetQueuedTransfers and GetAllQueuedTransfers.
const (
	TransferNotStarted = 1
	TransferInProgress = 2
	TransferCompleted  = 3
)

// Download asks the CPE to fetch a file (TR-069 A.3.2.8).
type Download struct {
	cpeReq
	CommandKey     string
	FileType       string
	URL            string
	Username       string
	Password       string
	FileSize       uint32
	TargetFileName string
	DelaySeconds   uint32
	SuccessURL     string
	FailureURL     string
}

// DownloadResponse says whether the download completed already (Status 0,
// with its times) or will be reported by TransferComplete (1).
type DownloadResponse struct {
	cpeResp
	Status       int
	StartTime    time.Time
	CompleteTime time.Time
}

// TimeWindowStruct is one window of ScheduleDownload (at most two).
type TimeWindowStruct struct {
	WindowStart uint32
	WindowEnd   uint32
	WindowMode  string // "1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed"
	UserMessage string
	MaxRetries  int32
}

// ScheduleDownload asks for a download within time windows (CWMP 1.2).
type ScheduleDownload struct {
	cpeReq
	CommandKey     string
	FileType       string
	URL            string
	Username       string
	Password       string
	FileSize       uint32
	TargetFileName string
	TimeWindowList []TimeWindowStruct `cwmp:"TimeWindowList,array=TimeWindowStruct"`
}

// ScheduleDownloadResponse acknowledges ScheduleDownload.
type ScheduleDownloadResponse struct{ cpeResp }

// Upload asks the CPE to send a file (TR-069 A.4.1.5).
type Upload struct {
	cpeReq
	CommandKey   string
	FileType     string
	URL          string
	Username     string
	Password     string
	DelaySeconds uint32
}

// UploadResponse is like DownloadResponse.
type UploadResponse struct {
	cpeResp
	Status       int
	StartTime    time.Time
	CompleteTime time.Time
}

// CancelTransfer cancels a queued Download, ScheduleDownload or Upload
// (CWMP 1.2).
type CancelTransfer struct {
	cpeReq
	CommandKey string
}

// CancelTransferResponse acknowledges CancelTransfer.
type CancelTransferResponse struct{ cpeResp }

// GetQueuedTransfers lists pending transfers the ACS requested (deprecated
// in favour of GetAllQueuedTransfers).
type GetQueuedTransfers struct{ cpeReq }

// QueuedTransferStruct is one queued transfer.
type QueuedTransferStruct struct {
	CommandKey string
	State      int
}

// GetQueuedTransfersResponse carries the queued transfers.
type GetQueuedTransfersResponse struct {
	cpeResp
	TransferList []QueuedTransferStruct `cwmp:"TransferList,array=QueuedTransferStruct"`
}

// GetAllQueuedTransfers lists all pending transfers, autonomous ones too.
type GetAllQueuedTransfers struct{ cpeReq }

// AllQueuedTransferStruct is one queued transfer with its details.
type AllQueuedTransferStruct struct {
	CommandKey     string
	State          int
	IsDownload     bool
	FileType       string
	FileSize       uint32
	TargetFileName string
}

// GetAllQueuedTransfersResponse carries the queued transfers.
type GetAllQueuedTransfersResponse struct {
	cpeResp
	TransferList []AllQueuedTransferStruct `cwmp:"TransferList,array=AllQueuedTransferStruct"`
}

// FaultStruct is the outcome of a transfer: FaultCode 0 is success.
type FaultStruct struct {
	FaultCode   FaultCode
	FaultString string
}

// TransferComplete reports the end of a Download, ScheduleDownload or
// Upload, possibly sessions after it was requested.
type TransferComplete struct {
	acsReq
	CommandKey   string
	FaultStruct  FaultStruct
	StartTime    time.Time
	CompleteTime time.Time
}

// TransferCompleteResponse acknowledges TransferComplete.
type TransferCompleteResponse struct{ acsResp }

// AutonomousTransferComplete reports a transfer the ACS did not request.
type AutonomousTransferComplete struct {
	acsReq
	AnnounceURL    string
	TransferURL    string
	IsDownload     bool
	FileType       string
	FileSize       uint32
	TargetFileName string
	FaultStruct    FaultStruct
	StartTime      time.Time
	CompleteTime   time.Time
}

// AutonomousTransferCompleteResponse acknowledges AutonomousTransferComplete.
type AutonomousTransferCompleteResponse struct{ acsResp }

// ArgStruct is one argument of RequestDownload.
type ArgStruct struct {
	Name  string
	Value string
}

// RequestDownload asks the ACS to start a Download of a file type.
type RequestDownload struct {
	acsReq
	FileType    string
	FileTypeArg []ArgStruct `cwmp:"FileTypeArg,array=ArgStruct"`
}

// RequestDownloadResponse acknowledges RequestDownload.
type RequestDownloadResponse struct{ acsResp }

func init() {
	register(
		(*Download)(nil), (*DownloadResponse)(nil),
		(*ScheduleDownload)(nil), (*ScheduleDownloadResponse)(nil),
		(*Upload)(nil), (*UploadResponse)(nil),
		(*CancelTransfer)(nil), (*CancelTransferResponse)(nil),
		(*GetQueuedTransfers)(nil), (*GetQueuedTransfersResponse)(nil),
		(*GetAllQueuedTransfers)(nil), (*GetAllQueuedTransfersResponse)(nil),
		(*TransferComplete)(nil), (*TransferCompleteResponse)(nil),
		(*AutonomousTransferComplete)(nil), (*AutonomousTransferCompleteResponse)(nil),
		(*RequestDownload)(nil), (*RequestDownloadResponse)(nil),
	)
}

func (*Download) MethodName() string                      { return "Download" }
func (*DownloadResponse) MethodName() string              { return "DownloadResponse" }
func (*ScheduleDownload) MethodName() string              { return "ScheduleDownload" }
func (*ScheduleDownloadResponse) MethodName() string      { return "ScheduleDownloadResponse" }
func (*Upload) MethodName() string                        { return "Upload" }
func (*UploadResponse) MethodName() string                { return "UploadResponse" }
func (*CancelTransfer) MethodName() string                { return "CancelTransfer" }
func (*CancelTransferResponse) MethodName() string        { return "CancelTransferResponse" }
func (*GetQueuedTransfers) MethodName() string            { return "GetQueuedTransfers" }
func (*GetQueuedTransfersResponse) MethodName() string    { return "GetQueuedTransfersResponse" }
func (*GetAllQueuedTransfers) MethodName() string         { return "GetAllQueuedTransfers" }
func (*GetAllQueuedTransfersResponse) MethodName() string { return "GetAllQueuedTransfersResponse" }
func (*TransferComplete) MethodName() string              { return "TransferComplete" }
func (*TransferCompleteResponse) MethodName() string      { return "TransferCompleteResponse" }
func (*AutonomousTransferComplete) MethodName() string    { return "AutonomousTransferComplete" }
func (*AutonomousTransferCompleteResponse) MethodName() string {
	return "AutonomousTransferCompleteResponse"
}
func (*RequestDownload) MethodName() string         { return "RequestDownload" }
func (*RequestDownloadResponse) MethodName() string { return "RequestDownloadResponse" }
