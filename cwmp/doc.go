// Package cwmp encodes and decodes the SOAP messages of TR-069, the CPE WAN
// Management Protocol (CWMP 1.0 to 1.4), for both ends of a session: the ACS
// and the CPE.
//
// Every RPC method of TR-069 Table 5 has a request and a response type whose
// names and fields are those of the BBF schema (cwmp-1-2.xsd), so the spec
// reads as this package's documentation. The direction of a message is in its
// type: an ACS sends CPERequest and ACSResponse values, a CPE sends
// ACSRequest and CPEResponse values.
//
// Encode writes an Envelope the way TR-069 asks (soap-env and cwmp prefixes,
// unqualified children, soap-enc:arrayType with the true count, xsi:type on
// every parameter value, UTF-8 with the five predefined entities). Decode
// reads what real devices send: any namespace prefixes, qualified or
// unqualified children, wrong array counts, missing optional fields, a BOM,
// ISO-8859-1; it rejects what cannot be read safely with an error naming the
// problem, and never panics.
//
// The package also negotiates the protocol version (Negotiate), knows every
// fault and event code, and implements HTTP Basic and Digest authentication in
// both the server and the client role, as both ends of TR-069 need them.
package cwmp
