package cwmp

import (
	"encoding/xml"
	"fmt"
	"testing"
	"time"
)

// benchInform is an Inform as a Device:2 gateway sends it at boot: four
// events and 30 parameters (the forced-inform set plus a few notified ones).
func benchInform() []byte {
	params := make([]ParameterValueStruct, 30)
	for i := range params {
		params[i] = ParameterValueStruct{
			Name:  fmt.Sprintf("Device.DeviceInfo.X_ACME_Parameter.%d.Value", i+1),
			Value: fmt.Sprintf("value %d of the parameter", i),
			Type:  "string",
		}
	}
	params[0] = ParameterValueStruct{Name: "Device.ManagementServer.ConnectionRequestURL", Value: "http://203.0.113.7:7547/abcdef0123456789", Type: "string"}
	params[1] = ParameterValueStruct{Name: "Device.DeviceInfo.UpTime", Value: "86400", Type: "unsignedInt"}
	b, err := Encode(&Envelope{Namespace: NS12, Header: Header{ID: "1234567"}, Body: &Inform{
		DeviceId: DeviceIdStruct{Manufacturer: "ACME", OUI: "00D09E", ProductClass: "HGW-500", SerialNumber: "SN0000001"},
		Event: []EventStruct{{EventCode: EventBoot}, {EventCode: EventValueChange}, {EventCode: EventMReboot, CommandKey: "k"},
			{EventCode: EventPeriodic}},
		MaxEnvelopes: 1, CurrentTime: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), ParameterList: params,
	}})
	if err != nil {
		panic(err)
	}
	return b
}

func gpvResponse(n int) *Envelope {
	params := make([]ParameterValueStruct, n)
	for i := range params {
		params[i] = ParameterValueStruct{
			Name:  fmt.Sprintf("Device.IP.Interface.%d.IPv4Address.%d.IPAddress", i/10+1, i%10+1),
			Value: fmt.Sprintf("192.0.2.%d", i%256),
			Type:  "string",
		}
	}
	return &Envelope{Namespace: NS12, Header: Header{ID: "42"}, Body: &GetParameterValuesResponse{ParameterList: params}}
}

func BenchmarkDecodeInform30(b *testing.B) {
	data := benchInform()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeInform30(b *testing.B) {
	env, err := Decode(benchInform())
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = AppendEncode(buf[:0], env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeGPVResponse1000(b *testing.B) {
	env := gpvResponse(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGPVResponse1000(b *testing.B) {
	data, err := Encode(gpvResponse(1000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeInform30EncodingXML decodes the same Inform with
// encoding/xml into an equivalent struct: the reference the scanner in
// xmlscan.go is measured against (compare the two within one run; absolute
// figures on a shared machine mean little).
func BenchmarkDecodeInform30EncodingXML(b *testing.B) {
	type pvs struct {
		Name  string
		Value string
	}
	type inform struct {
		Body struct {
			Inform struct {
				DeviceId struct {
					Manufacturer, OUI, ProductClass, SerialNumber string
				}
				Event []struct {
					EventCode, CommandKey string
				} `xml:"Event>EventStruct"`
				MaxEnvelopes  uint32
				CurrentTime   time.Time
				RetryCount    uint32
				ParameterList []pvs `xml:"ParameterList>ParameterValueStruct"`
			}
		}
	}
	data := benchInform()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var v inform
		if err := xml.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
