package cpe

import (
	"slices"
	"testing"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// TestParameterMethods runs every parameter method through the ACS's queue
// and checks the answers and the tree.
func TestParameterMethods(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	const ms = "Device.ManagementServer."
	e.acs.Enqueue(
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber", ms}},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
			{Name: ms + "PeriodicInformInterval", Value: "600", Type: "unsignedInt"},
			{Name: "Device.DeviceInfo.ProvisioningCode", Value: "P1", Type: "string"},
		}, ParameterKey: "k1"},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
			{Name: "Device.NoSuchParameter", Value: "x"},
			{Name: "Device.DeviceInfo.SerialNumber", Value: "x"},
			{Name: ms + "PeriodicInformInterval", Value: "0", Type: "unsignedInt"},
		}, ParameterKey: "bad"},
		&cwmp.GetParameterNames{ParameterPath: ms, NextLevel: true},
		&cwmp.AddObject{ObjectName: "Device.IP.Interface.", ParameterKey: "k2"},
		&cwmp.AddObject{ObjectName: "Device.IP.Interface.", ParameterKey: "k3"},
		&cwmp.DeleteObject{ObjectName: "Device.IP.Interface.1.", ParameterKey: "k4"},
		&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
			{Name: "Device.DeviceInfo.Description", NotificationChange: true, Notification: cwmp.NotificationPassive},
		}},
		&cwmp.GetParameterAttributes{ParameterNames: []string{"Device.DeviceInfo.Description"}},
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.NoSuch."}},
		&cwmp.DeleteObject{ObjectName: "Device.IP.Interface.7.", ParameterKey: "k5"},
		&cwmp.GetParameterNames{ParameterPath: ms + "URL", NextLevel: true},
	)
	s := e.session(a)
	answers := make([]cwmp.Message, len(s.ACSRequests))
	for i, x := range s.ACSRequests {
		answers[i] = x.Response.Body
	}
	if len(answers) != 12 {
		t.Fatalf("%d answers, want 12", len(answers))
	}

	gpv := answers[0].(*cwmp.GetParameterValuesResponse)
	if gpv.ParameterList[0] != (cwmp.ParameterValueStruct{Name: "Device.DeviceInfo.SerialNumber", Value: "SN0001", Type: "string"}) {
		t.Errorf("GPV first value %+v", gpv.ParameterList[0])
	}
	if !slices.ContainsFunc(gpv.ParameterList, func(v cwmp.ParameterValueStruct) bool { return v.Name == ms+"URL" && v.Value == e.acs.URL }) {
		t.Errorf("GPV of %s lacks URL", ms)
	}

	if r, ok := answers[1].(*cwmp.SetParameterValuesResponse); !ok || r.Status != 0 {
		t.Errorf("SPV answered %#v", answers[1])
	}

	f, ok := answers[2].(*cwmp.Fault)
	if !ok || f.Code != cwmp.FaultInvalidArguments {
		t.Fatalf("bad SPV answered %#v, want fault 9003", answers[2])
	}
	var codes []cwmp.FaultCode
	for _, pf := range f.SetParameterValuesFault {
		codes = append(codes, pf.FaultCode)
	}
	if !slices.Equal(codes, []cwmp.FaultCode{cwmp.FaultInvalidParameterName, cwmp.FaultNotWritable, cwmp.FaultInvalidParameterValue}) {
		t.Errorf("SPV per-parameter faults %v, want 9005, 9008, 9007", f.SetParameterValuesFault)
	}

	gpn := answers[3].(*cwmp.GetParameterNamesResponse)
	if !slices.Contains(gpn.ParameterList, cwmp.ParameterInfoStruct{Name: ms + "URL", Writable: true}) ||
		!slices.Contains(gpn.ParameterList, cwmp.ParameterInfoStruct{Name: ms + "ParameterKey", Writable: false}) {
		t.Errorf("GPN %s lacks URL or ParameterKey: %v", ms, gpn.ParameterList)
	}

	if r, ok := answers[4].(*cwmp.AddObjectResponse); !ok || r.InstanceNumber != 1 {
		t.Errorf("AddObject answered %#v, want instance 1", answers[4])
	}
	if r, ok := answers[5].(*cwmp.AddObjectResponse); !ok || r.InstanceNumber != 2 {
		t.Errorf("AddObject answered %#v, want instance 2", answers[5])
	}
	if _, ok := answers[6].(*cwmp.DeleteObjectResponse); !ok {
		t.Errorf("DeleteObject answered %#v", answers[6])
	}
	if _, ok := answers[7].(*cwmp.SetParameterAttributesResponse); !ok {
		t.Errorf("SPA answered %#v", answers[7])
	}
	gpa := answers[8].(*cwmp.GetParameterAttributesResponse)
	if len(gpa.ParameterList) != 1 || gpa.ParameterList[0].Notification != cwmp.NotificationPassive {
		t.Errorf("GPA %+v, want Notification 1", gpa.ParameterList)
	}
	for i, want := range map[int]cwmp.FaultCode{9: cwmp.FaultInvalidParameterName, 10: cwmp.FaultInvalidParameterName, 11: cwmp.FaultInvalidArguments} {
		if f, ok := answers[i].(*cwmp.Fault); !ok || f.Code != want {
			t.Errorf("answer %d (%s) is %#v, want fault %d", i, s.ACSRequests[i].Request.Body.MethodName(), answers[i], want)
		}
	}

	// The tree holds the results.
	if got := treeGet(t, a, ms+"PeriodicInformInterval"); got != "600" {
		t.Errorf("PeriodicInformInterval %q", got)
	}
	if got := treeGet(t, a, "Device.DeviceInfo.ProvisioningCode"); got != "P1" {
		t.Errorf("ProvisioningCode %q", got)
	}
	if got := treeGet(t, a, ms+"ParameterKey"); got != "k4" {
		t.Errorf("ParameterKey %q, want k4 (the last successful method's)", got)
	}
	if got, _ := a.Tree().Instances("Device.IP.Interface."); !slices.Equal(got, []uint32{2}) {
		t.Errorf("IP.Interface instances %v, want [2]", got)
	}
	// The ACS's own changes are not notified.
	wantEvents(t, e.session(a))
}

func TestScheduleInformFaults(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	for range maxScheduledInforms {
		e.acs.Enqueue(&cwmp.ScheduleInform{DelaySeconds: 3600, CommandKey: "many"})
	}
	e.acs.Enqueue(&cwmp.ScheduleInform{DelaySeconds: 3600, CommandKey: "one too many"}, &cwmp.ScheduleInform{DelaySeconds: 0})
	s := e.session(a)
	n := len(s.ACSRequests)
	if f := s.ACSRequests[n-2].Fault(); f == nil || f.Code != cwmp.FaultResourcesExceeded {
		t.Errorf("ScheduleInform beyond the limit answered %v, want 9004", s.ACSRequests[n-2].Response.Body)
	}
	if f := s.ACSRequests[n-1].Fault(); f == nil || f.Code != cwmp.FaultInvalidArguments {
		t.Errorf("ScheduleInform with DelaySeconds 0 answered %v, want 9003", s.ACSRequests[n-1].Response.Body)
	}
}
