package cwmptest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/cwmp/cwmptest"
)

// A session between the two fakes: the ACS reads a parameter and reboots
// the CPE. A test of a real CPE agent points the agent at acs.URL instead;
// a test of a real ACS runs cpe.Session against it.
func Example() {
	acs := cwmptest.NewACS()
	defer acs.Close()
	acs.Enqueue(
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SoftwareVersion"}},
		&cwmp.Reboot{CommandKey: "r1"},
	)

	cpe := cwmptest.NewCPE(acs.URL, cwmp.DeviceIdStruct{Manufacturer: "Example", OUI: "00D09E", ProductClass: "GW", SerialNumber: "SN0001"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cpe.Session(ctx, cwmp.EventStruct{EventCode: cwmp.EventBoot}); err != nil {
		log.Fatal(err)
	}

	s, err := acs.WaitSession(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	gpv := s.ResponseTo("GetParameterValues").(*cwmp.GetParameterValuesResponse)
	fmt.Println(s.DeviceId().SerialNumber, s.InformMessage().Event[0].EventCode)
	fmt.Println(gpv.ParameterList[0].Name, "=", gpv.ParameterList[0].Value)
	fmt.Printf("%T\n", cpe.Received()[1])
	fmt.Println("ended with 204:", s.NoContent, "violations:", len(s.Violations))
	// Output:
	// SN0001 1 BOOT
	// Device.DeviceInfo.SoftwareVersion = 1.0.0
	// *cwmp.Reboot
	// ended with 204: true violations: 0
}
