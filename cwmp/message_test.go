package cwmp

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// t0 and t1 are the times the samples carry; UTC so reflect.DeepEqual can
// compare decoded values.
var (
	t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	t1 = time.Date(2026, 11, 25, 10, 0, 42, 500_000_000, time.UTC)
)

var samplePVS = []ParameterValueStruct{
	{Name: "Device.DeviceInfo.SoftwareVersion", Value: "4.2.1 <beta> & \"rc\" 'x'", Type: "string"},
	{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "3600", Type: "unsignedInt"},
	{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "1", Type: "boolean"},
	{Name: "Device.DeviceInfo.UpTime", Value: "-5", Type: "int"},
	{Name: "Device.Time.CurrentLocalTime", Value: "2026-11-25T10:00:00Z", Type: "dateTime"},
	{Name: "Device.X_000000_Blob", Value: "AAEC", Type: "base64"},
	{Name: "Device.WiFi.SSID.1.SSID", Value: "  café \u2603 wifi  ", Type: "string"},
}

// samples returns one fully populated value of every message this package
// defines; every field holds a non-zero value the schema accepts, so a field
// the codec forgets shows up as a round-trip difference or a golden diff.
func samples() []Message {
	return []Message{
		&GetRPCMethods{},
		&GetRPCMethodsResponse{MethodList: []string{"GetRPCMethods", "Inform", "TransferComplete"}},
		&SetParameterValues{ParameterList: samplePVS, ParameterKey: "pk-1"},
		&SetParameterValuesResponse{Status: 1},
		&GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.", "Device.ManagementServer.URL"}},
		&GetParameterValuesResponse{ParameterList: samplePVS},
		&GetParameterNames{ParameterPath: "Device.IP.", NextLevel: true},
		&GetParameterNamesResponse{ParameterList: []ParameterInfoStruct{
			{Name: "Device.IP.Interface.", Writable: false},
			{Name: "Device.IP.IPv4Enable", Writable: true},
		}},
		&SetParameterAttributes{ParameterList: []SetParameterAttributesStruct{
			{Name: "Device.DeviceInfo.SoftwareVersion", NotificationChange: true, Notification: NotificationActive, AccessListChange: true, AccessList: []string{"Subscriber"}},
			{Name: "Device.IP.", NotificationChange: true, Notification: NotificationPassive, AccessList: []string{}},
		}},
		&SetParameterAttributesResponse{},
		&GetParameterAttributes{ParameterNames: []string{"Device.DeviceInfo."}},
		&GetParameterAttributesResponse{ParameterList: []ParameterAttributeStruct{
			{Name: "Device.DeviceInfo.SoftwareVersion", Notification: NotificationActive, AccessList: []string{"Subscriber"}},
			{Name: "Device.DeviceInfo.UpTime", Notification: NotificationOff, AccessList: []string{}},
		}},
		&AddObject{ObjectName: "Device.IP.Interface.", ParameterKey: "pk-2"},
		&AddObjectResponse{InstanceNumber: 7, Status: 1},
		&DeleteObject{ObjectName: "Device.IP.Interface.7.", ParameterKey: "pk-3"},
		&DeleteObjectResponse{Status: 1},
		&Download{CommandKey: "fw-2026", FileType: FileFirmwareImage, URL: "https://acs.example.net/files/fw.bin?token=a&b", Username: "u", Password: "p",
			FileSize: 1 << 24, TargetFileName: "fw.bin", DelaySeconds: 30, SuccessURL: "https://ok.example.net/", FailureURL: "https://fail.example.net/"},
		&DownloadResponse{Status: 1, StartTime: t0, CompleteTime: t1},
		&Reboot{CommandKey: "reboot-1"},
		&RebootResponse{},
		&GetQueuedTransfers{},
		&GetQueuedTransfersResponse{TransferList: []QueuedTransferStruct{{CommandKey: "a", State: TransferNotStarted}, {CommandKey: "b", State: TransferInProgress}}},
		&ScheduleInform{DelaySeconds: 60, CommandKey: "si-1"},
		&ScheduleInformResponse{},
		&SetVouchers{VoucherList: [][]byte{[]byte("<voucher/>"), {0, 1, 2, 255}}},
		&SetVouchersResponse{},
		&GetOptions{OptionName: "Feature1"},
		&GetOptionsResponse{OptionList: []OptionStruct{{OptionName: "Feature1", VoucherSN: 12, State: 1, Mode: 2, StartDate: t0, ExpirationDate: t1, IsTransferable: 1}}},
		&Upload{CommandKey: "up-1", FileType: UploadVendorLog, URL: "https://acs.example.net/upload/log", Username: "u", Password: "p", DelaySeconds: 5},
		&UploadResponse{Status: 0, StartTime: t0, CompleteTime: t1},
		&FactoryReset{},
		&FactoryResetResponse{},
		&GetAllQueuedTransfers{},
		&GetAllQueuedTransfersResponse{TransferList: []AllQueuedTransferStruct{
			{CommandKey: "a", State: TransferCompleted, IsDownload: true, FileType: FileFirmwareImage, FileSize: 1024, TargetFileName: "fw.bin"},
		}},
		&ScheduleDownload{CommandKey: "sd-1", FileType: FileFirmwareImage, URL: "https://acs.example.net/fw.bin", Username: "u", Password: "p", FileSize: 2048, TargetFileName: "fw.bin",
			TimeWindowList: []TimeWindowStruct{
				{WindowStart: 0, WindowEnd: 3600, WindowMode: "1 At Any Time", UserMessage: "", MaxRetries: -1},
				{WindowStart: 7200, WindowEnd: 10800, WindowMode: "4 Confirmation Needed", UserMessage: "Upgrade now?", MaxRetries: 3},
			}},
		&ScheduleDownloadResponse{},
		&CancelTransfer{CommandKey: "sd-1"},
		&CancelTransferResponse{},
		&ChangeDUState{Operations: []Operation{
			&InstallOpStruct{URL: "https://acs.example.net/du/app.ipk", UUID: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", Username: "u", Password: "p", ExecutionEnvRef: "Device.SoftwareModules.ExecEnv.1"},
			&UpdateOpStruct{UUID: "6ba7b811-9dad-11d1-80b4-00c04fd430c8", Version: "2.0", URL: "https://acs.example.net/du/app2.ipk", Username: "u", Password: "p"},
			&UninstallOpStruct{UUID: "6ba7b812-9dad-11d1-80b4-00c04fd430c8", Version: "1.0", ExecutionEnvRef: "Device.SoftwareModules.ExecEnv.1"},
		}, CommandKey: "du-1"},
		&ChangeDUStateResponse{},
		&Inform{
			DeviceId:      DeviceIdStruct{Manufacturer: "ACME & Sons", OUI: "00D09E", ProductClass: "HGW-500", SerialNumber: "SN0001"},
			Event:         []EventStruct{{EventCode: EventBoot}, {EventCode: EventMReboot, CommandKey: "reboot-1"}},
			MaxEnvelopes:  1,
			CurrentTime:   t1,
			RetryCount:    2,
			ParameterList: samplePVS,
		},
		&InformResponse{MaxEnvelopes: 1},
		&TransferComplete{CommandKey: "fw-2026", FaultStruct: FaultStruct{FaultCode: FaultDownloadFailure, FaultString: "HTTP 404"}, StartTime: t0, CompleteTime: t1},
		&TransferCompleteResponse{},
		&AutonomousTransferComplete{AnnounceURL: "https://a.example.net/", TransferURL: "https://t.example.net/fw.bin", IsDownload: true, FileType: FileFirmwareImage,
			FileSize: 4096, TargetFileName: "fw.bin", FaultStruct: FaultStruct{FaultCode: 0, FaultString: ""}, StartTime: t0, CompleteTime: t1},
		&AutonomousTransferCompleteResponse{},
		&Kicked{Command: "cmd", Referer: "https://portal.example.net/", Arg: "a=1", Next: "https://portal.example.net/next"},
		&KickedResponse{NextURL: "https://portal.example.net/next"},
		&RequestDownload{FileType: FileWebContent, FileTypeArg: []ArgStruct{{Name: "Version", Value: "2"}}},
		&RequestDownloadResponse{},
		&DUStateChangeComplete{Results: []OpResultStruct{
			{UUID: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", DeploymentUnitRef: "Device.SoftwareModules.DeploymentUnit.1", Version: "1.0", CurrentState: DUInstalled, Resolved: true,
				ExecutionUnitRefList: "Device.SoftwareModules.ExecutionUnit.1", StartTime: t0, CompleteTime: t1, Fault: DeploymentUnitFaultStruct{}},
			{UUID: "6ba7b811-9dad-11d1-80b4-00c04fd430c8", DeploymentUnitRef: "", Version: "", CurrentState: DUFailed, Resolved: false,
				ExecutionUnitRefList: "", StartTime: t0, CompleteTime: t1, Fault: DeploymentUnitFaultStruct{FaultCode: FaultDuplicateDU, FaultString: "already installed"}},
		}, CommandKey: "du-1"},
		&DUStateChangeCompleteResponse{},
		&AutonomousDUStateChangeComplete{Results: []AutonOpResultStruct{{
			OpResultStruct: OpResultStruct{UUID: "6ba7b813-9dad-11d1-80b4-00c04fd430c8", DeploymentUnitRef: "Device.SoftwareModules.DeploymentUnit.2", Version: "3.1",
				CurrentState: DUUninstalled, Resolved: true, ExecutionUnitRefList: "", StartTime: t0, CompleteTime: t1},
			OperationPerformed: "Uninstall",
		}}},
		&AutonomousDUStateChangeCompleteResponse{},
		&Fault{SOAPCode: "Client", SOAPString: "CWMP fault", Code: FaultInvalidArguments, String: "Invalid arguments", SetParameterValuesFault: []ParameterFault{
			{ParameterName: "Device.DeviceInfo.UpTime", FaultCode: FaultNotWritable, FaultString: "read-only"},
			{ParameterName: "Device.Nope", FaultCode: FaultInvalidParameterName, FaultString: "no such parameter"},
		}},
	}
}

// namespaceOf lists which namespaces define each method: methods added in
// CWMP 1.1 and 1.2 are not in the older schemas.
func namespacesOf(method string) []string {
	switch method {
	case "ScheduleDownload", "ScheduleDownloadResponse", "CancelTransfer", "CancelTransferResponse",
		"ChangeDUState", "ChangeDUStateResponse", "DUStateChangeComplete", "DUStateChangeCompleteResponse",
		"AutonomousDUStateChangeComplete", "AutonomousDUStateChangeCompleteResponse":
		return []string{NS12}
	case "GetAllQueuedTransfers", "GetAllQueuedTransfersResponse",
		"AutonomousTransferComplete", "AutonomousTransferCompleteResponse":
		return []string{NS11, NS12}
	}
	return []string{NS10, NS11, NS12}
}

func TestSamplesCoverEveryMethod(t *testing.T) {
	var got []string
	for _, m := range samples() {
		got = append(got, m.MethodName())
	}
	slices.Sort(got)
	// Vendor methods registered by other tests (TestRegisterVendorMethod)
	// are not TR-069's.
	want := []string{"Fault"}
	for _, m := range Methods() {
		if !strings.HasPrefix(m, "X_") {
			want = append(want, m)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("samples cover %v\nregistered methods are %v", got, want)
	}
	// TR-069 Table 5: 20 CPE methods and 8 ACS methods (GetRPCMethods is
	// both), each with its response.
	if n := len(want) - 1; n != 2*(20+8-1) {
		t.Errorf("%d methods registered, want %d", n, 2*(20+8-1))
	}
}

func TestMessagesValidateAgainstXSD(t *testing.T) {
	for _, m := range samples() {
		for _, ns := range namespacesOf(m.MethodName()) {
			t.Run(m.MethodName()+"/"+ns[len(ns)-3:], func(t *testing.T) {
				t.Parallel()
				env := &Envelope{Namespace: ns, Header: Header{ID: "id-1"}, Body: m}
				b, err := Encode(env)
				if err != nil {
					t.Fatal(err)
				}
				validateXSD(t, ns, b)
			})
		}
	}
}

// TestLightweightNotificationXSD checks the CWMP 1.4 notification values 3-6,
// which only the cwmp-1-2 namespace allows.
func TestLightweightNotificationXSD(t *testing.T) {
	var list []SetParameterAttributesStruct
	for n := NotificationOff; n <= NotificationPassiveAndActiveLightweight; n++ {
		list = append(list, SetParameterAttributesStruct{Name: "Device.IP.", NotificationChange: true, Notification: n, AccessList: []string{}})
	}
	b, err := Encode(&Envelope{Namespace: NS12, Body: &SetParameterAttributes{ParameterList: list}})
	if err != nil {
		t.Fatal(err)
	}
	validateXSD(t, NS12, b)
	if err := xmllintValidate(NS10, bytes.ReplaceAll(b, []byte(NS12), []byte(NS10))); err == nil {
		t.Error("notification 3-6 validated in the cwmp-1-0 namespace; the schema only allows 0-2 there")
	}
}

func TestHeadersValidateAgainstXSD(t *testing.T) {
	cases := []struct {
		name string
		ns   string
		h    Header
	}{
		{"ID and HoldRequests 1.0", NS10, Header{ID: "x&y", HoldRequests: true}},
		{"SessionTimeout 1.3", NS12, Header{ID: "1", SessionTimeout: 60}},
		{"SupportedCWMPVersions 1.4", NS12, Header{ID: "1", SupportedCWMPVersions: Versions}},
		{"UseCWMPVersion 1.4", NS12, Header{ID: "1", HoldRequests: true, UseCWMPVersion: V1_4}},
		{"no header", NS11, Header{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Encode(&Envelope{Namespace: c.ns, Header: c.h, Body: &InformResponse{MaxEnvelopes: 1}})
			if err != nil {
				t.Fatal(err)
			}
			validateXSD(t, c.ns, b)
			env, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(env.Header, c.h) {
				t.Errorf("header round trip:\n got %+v\nwant %+v", env.Header, c.h)
			}
		})
	}
}

func TestMessagesGolden(t *testing.T) {
	for _, m := range samples() {
		t.Run(m.MethodName(), func(t *testing.T) {
			b, err := Encode(&Envelope{Namespace: NS12, Header: Header{ID: "id-1"}, Body: m})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", m.MethodName()+".xml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestMessagesGolden -update to create it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("encoding differs from %s:\n got %s\nwant %s", path, b, want)
			}
		})
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	for _, m := range samples() {
		for _, ns := range namespacesOf(m.MethodName()) {
			t.Run(m.MethodName()+"/"+ns[len(ns)-3:], func(t *testing.T) {
				in := &Envelope{Namespace: ns, Header: Header{ID: "id-1"}, Body: m}
				b, err := Encode(in)
				if err != nil {
					t.Fatal(err)
				}
				out, err := Decode(b)
				if err != nil {
					t.Fatalf("decode: %v\n%s", err, b)
				}
				if out.Namespace != ns {
					t.Errorf("namespace %q, want %q", out.Namespace, ns)
				}
				if !reflect.DeepEqual(out.Body, m) {
					t.Errorf("round trip changed the message:\n got %#v\nwant %#v", out.Body, m)
				}
			})
		}
	}
}

func TestMessageDirections(t *testing.T) {
	cpeMethods := []string{"GetRPCMethods", "SetParameterValues", "GetParameterValues", "GetParameterNames",
		"SetParameterAttributes", "GetParameterAttributes", "AddObject", "DeleteObject", "Reboot", "Download",
		"ScheduleDownload", "Upload", "FactoryReset", "GetQueuedTransfers", "GetAllQueuedTransfers",
		"CancelTransfer", "ScheduleInform", "ChangeDUState", "SetVouchers", "GetOptions"}
	acsMethods := []string{"Inform", "TransferComplete", "AutonomousTransferComplete", "DUStateChangeComplete",
		"AutonomousDUStateChangeComplete", "RequestDownload", "Kicked", "GetRPCMethods"}
	for _, name := range cpeMethods {
		if _, ok := NewMessage(name).(CPERequest); !ok {
			t.Errorf("%s is not a CPERequest", name)
		}
		if _, ok := NewMessage(name + "Response").(CPEResponse); !ok {
			t.Errorf("%sResponse is not a CPEResponse", name)
		}
	}
	for _, name := range acsMethods {
		if _, ok := NewMessage(name).(ACSRequest); !ok {
			t.Errorf("%s is not an ACSRequest", name)
		}
		if _, ok := NewMessage(name + "Response").(ACSResponse); !ok {
			t.Errorf("%sResponse is not an ACSResponse", name)
		}
	}
	// The direction is exclusive except for GetRPCMethods.
	if _, ok := NewMessage("Inform").(CPERequest); ok {
		t.Error("Inform must not be a CPERequest: the ACS never sends it")
	}
	if _, ok := NewMessage("Reboot").(ACSRequest); ok {
		t.Error("Reboot must not be an ACSRequest: the CPE never sends it")
	}
	if len(cpeMethods) != 20 || len(acsMethods) != 8 {
		t.Fatal("TR-069 Table 5 has 20 CPE and 8 ACS methods")
	}
}

func TestEncodeArrayTypeCount(t *testing.T) {
	b, err := Encode(&Envelope{Namespace: NS12, Body: &GetParameterValuesResponse{ParameterList: samplePVS}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[7]">`)) {
		t.Errorf("arrayType does not carry the true count:\n%s", b)
	}
	b, err = Encode(&Envelope{Namespace: NS12, Body: &GetParameterValues{ParameterNames: []string{}}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`<ParameterNames soap-enc:arrayType="xsd:string[0]"></ParameterNames>`)) {
		t.Errorf("empty array not encoded with count 0:\n%s", b)
	}
}

func TestEncodeRejects(t *testing.T) {
	if _, err := Encode(&Envelope{Namespace: "urn:example", Body: &Reboot{}}); err == nil {
		t.Error("unknown namespace accepted")
	}
	if _, err := Encode(&Envelope{Namespace: NS12}); err == nil {
		t.Error("envelope without message accepted")
	}
	if _, err := Encode(&Envelope{Namespace: NS12, Body: &UnknownMessage{Name: "X_Foo"}}); err == nil {
		t.Error("unknown message encoded")
	}
}

func TestEncodeEscaping(t *testing.T) {
	in := "a&b<c>d\"e'f\rg\x01h\xffi"
	b, err := Encode(&Envelope{Namespace: NS12, Body: &Reboot{CommandKey: in}})
	if err != nil {
		t.Fatal(err)
	}
	want := "<CommandKey>a&amp;b&lt;c&gt;d&quot;e&apos;f&#xD;g\uFFFDh\uFFFDi</CommandKey>"
	if !bytes.Contains(b, []byte(want)) {
		t.Errorf("escaping: got %s\nwant it to contain %s", b, want)
	}
	env, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Body.(*Reboot).CommandKey; got != "a&b<c>d\"e'f\rg\uFFFDh\uFFFDi" {
		t.Errorf("decoded %q", got)
	}
}

type vendorMethod struct {
	CPERequestMarker
	Count  uint32
	Labels []string `cwmp:"Labels,array=string"`
}

func (*vendorMethod) MethodName() string { return "X_00D09E_Ping" }

func TestRegisterVendorMethod(t *testing.T) {
	if NewMessage("X_00D09E_Ping") == nil { // registration is global: once per process (go test -count)
		Register(&vendorMethod{})
	}
	b, err := Encode(&Envelope{Namespace: NS12, Body: &vendorMethod{Count: 3, Labels: []string{"a"}}})
	if err != nil {
		t.Fatal(err)
	}
	env, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := env.Body.(*vendorMethod); !ok || got.Count != 3 || !slices.Equal(got.Labels, []string{"a"}) {
		t.Errorf("vendor method round trip: %#v", env.Body)
	}
	if _, ok := env.Body.(CPERequest); !ok {
		t.Error("a vendor method embedding CPERequestMarker is not a CPERequest")
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	Register(&vendorMethod{})
}
