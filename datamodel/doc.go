// Package datamodel loads the Broadband Forum's TR-069 data models (TR-181,
// TR-098 and the other BBF XML files) and holds the parameter trees built
// from them, for both ends of CWMP: the CPE agent keeps a live tree and
// answers the parameter RPCs from it with TR-069's exact semantics, and the
// ACS validates what operators set before sending it and knows which
// parameters are writable, forced-inform or tables.
//
// A Model is read-only after loading and shared by every Tree made from it;
// a Tree stores only what differs from the model's defaults, so a process
// can hold very many devices of one model.
package datamodel
