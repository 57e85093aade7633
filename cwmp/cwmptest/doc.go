// Package cwmptest provides an in-process fake ACS and fake CPE that speak
// real CWMP sessions over HTTP on 127.0.0.1, for the tests of the packages
// that implement one end of TR-069 against the other.
//
// A test of a CPE agent points the agent at an ACS (NewACS), queues the
// requests the ACS is to send (Enqueue), and then inspects what the ACS
// recorded (Sessions, WaitSession, Posts). A test of an ACS runs CPE
// sessions against it (NewCPE, CPE.Session) and inspects the CPE's
// parameter store (CPE.Params) and the requests it received.
//
// Both fakes follow the session procedure of TR-069 section 3.7 to the letter
// in what they send, and are lenient in what they accept: a deviation of the
// peer that does not stop the session is recorded in Session.Violations
// rather than rejected, so a test can assert that there were none and print
// them when there were.
//
// The fakes are not implementations: the ACS has no devices, tasks or
// presets, only a queue of requests; the CPE has a flat in-memory parameter
// store with one level of multi-instance tables, no data model, no
// notifications, and records transfers and reboots without performing them.
// Neither follows HTTP redirects or speaks TLS, and the CPE has no
// connection-request listener.
package cwmptest
