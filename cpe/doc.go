// Package cpe is a TR-069 CPE agent: the device end of CWMP, for device
// vendors to embed, for the tests of the ACS, for operators' labs and for
// the fleet simulator.
//
// An Agent holds a device's parameter tree (a datamodel.Tree), its pending
// events and requests, and its queued transfers and software modules, and
// runs CWMP sessions with an ACS: Inform with the right events and
// parameters, the CPE's own requests (TransferComplete, ...), then the ACS's
// requests, answered by the CPE methods of TR-069 Table 5. It keeps the
// protocol's timing (periodic informs, retry with randomised back-off,
// scheduled informs) and persistence rules (which events survive a reboot,
// which are kept until acknowledged).
//
// The agent never acts on the host it runs on: Reboot, FactoryReset and
// firmware installation change the agent's own state and restart its
// session logic, nothing else.
//
// An Agent is passive state plus methods; it starts no goroutine of its own
// unless Run is called. The fleet simulator drives very many agents from a
// few goroutines with Session and NextSession, and serves all their
// connection requests from one listener with a ConnReqServer.
package cpe
