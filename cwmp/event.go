package cwmp

import (
	"regexp"
	"strings"
)

// EventCode is an Inform event ("1 BOOT", "M Reboot", "X 00256D MyEvent").
type EventCode string

// Event codes of TR-069 Table 7 (Amendment 6), with the method events that
// accompany them.
const (
	EventBootstrap                       EventCode = "0 BOOTSTRAP"
	EventBoot                            EventCode = "1 BOOT"
	EventPeriodic                        EventCode = "2 PERIODIC"
	EventScheduled                       EventCode = "3 SCHEDULED"
	EventValueChange                     EventCode = "4 VALUE CHANGE"
	EventKicked                          EventCode = "5 KICKED"
	EventConnectionRequest               EventCode = "6 CONNECTION REQUEST"
	EventTransferComplete                EventCode = "7 TRANSFER COMPLETE"
	EventDiagnosticsComplete             EventCode = "8 DIAGNOSTICS COMPLETE"
	EventRequestDownload                 EventCode = "9 REQUEST DOWNLOAD"
	EventAutonomousTransferComplete      EventCode = "10 AUTONOMOUS TRANSFER COMPLETE"
	EventDUStateChangeComplete           EventCode = "11 DU STATE CHANGE COMPLETE"
	EventAutonomousDUStateChangeComplete EventCode = "12 AUTONOMOUS DU STATE CHANGE COMPLETE"
	EventWakeup                          EventCode = "13 WAKEUP"
	EventHeartbeat                       EventCode = "14 HEARTBEAT"
	EventMReboot                         EventCode = "M Reboot"
	EventMScheduleInform                 EventCode = "M ScheduleInform"
	EventMDownload                       EventCode = "M Download"
	EventMScheduleDownload               EventCode = "M ScheduleDownload"
	EventMUpload                         EventCode = "M Upload"
	EventMChangeDUState                  EventCode = "M ChangeDUState"
)

type eventInfo struct {
	multiple bool
	meaning  string
}

// events holds TR-069 Table 7's cumulative behaviour ("Single" or
// "Multiple") and a short meaning of each standard event code.
var events = map[EventCode]eventInfo{
	EventBootstrap:                       {false, "first connection after installation or a change of ACS URL"},
	EventBoot:                            {false, "the CPE started"},
	EventPeriodic:                        {false, "periodic inform"},
	EventScheduled:                       {true, "inform scheduled by ScheduleInform"},
	EventValueChange:                     {false, "a parameter with notification changed"},
	EventKicked:                          {false, "a web page kick (Kicked)"},
	EventConnectionRequest:               {false, "the ACS made a connection request"},
	EventTransferComplete:                {false, "a requested transfer ended (TransferComplete follows)"},
	EventDiagnosticsComplete:             {false, "a diagnostic test the ACS started ended"},
	EventRequestDownload:                 {false, "the CPE asks for a download (RequestDownload follows)"},
	EventAutonomousTransferComplete:      {false, "a transfer the ACS did not request ended"},
	EventDUStateChangeComplete:           {false, "a ChangeDUState ended (DUStateChangeComplete follows)"},
	EventAutonomousDUStateChangeComplete: {false, "a software change the ACS did not request ended"},
	EventWakeup:                          {false, "the CPE woke from a sleep (standby)"},
	EventHeartbeat:                       {false, "heartbeat inform"},
	EventMReboot:                         {false, "a Reboot the ACS requested completed"},
	EventMScheduleInform:                 {true, "an inform the ACS scheduled"},
	EventMDownload:                       {true, "a Download the ACS requested ended"},
	EventMScheduleDownload:               {true, "a ScheduleDownload the ACS requested ended"},
	EventMUpload:                         {true, "an Upload the ACS requested ended"},
	EventMChangeDUState:                  {true, "a ChangeDUState the ACS requested ended"},
}

// Multiple reports whether several events with this code may be in one
// Inform (TR-069 Table 7 "Multiple"), each with its own CommandKey; a
// "Single" event appears at most once however often it happened. Vendor
// events are treated as Multiple, the safe reading for an ACS.
func (c EventCode) Multiple() bool {
	if e, ok := events[c]; ok {
		return e.multiple
	}
	return c.IsVendor()
}

// Standard reports whether the code is one TR-069 defines.
func (c EventCode) Standard() bool {
	_, ok := events[c]
	return ok
}

// Meaning returns a short description of a standard event code, or "".
func (c EventCode) Meaning() string { return events[c].meaning }

// IsMethod reports whether the code is a method event ("M Reboot",
// "M X_00256D_Foo").
func (c EventCode) IsMethod() bool { return strings.HasPrefix(string(c), "M ") }

// IsVendor reports whether the code is vendor-specific: "X <OUI> <name>" or
// "M X_<OUI>_<name>".
func (c EventCode) IsVendor() bool {
	return strings.HasPrefix(string(c), "X ") || strings.HasPrefix(string(c), "M X_")
}

// eventCodePattern is the EventCodeType pattern of cwmp-1-2.xsd.
var eventCodePattern = regexp.MustCompile(`^(?:\d+( \S+)+|M \S+|M X_\S+|X [0-9A-F]{6} .+|X \S+ .+)$`)

// Valid reports whether the code has the form the schema allows (at most 64
// characters, matching EventCodeType).
func (c EventCode) Valid() bool {
	return len(c) <= 64 && eventCodePattern.MatchString(string(c))
}
