package cwmp

import "strings"

// ParameterValueStruct is one parameter name with its value, as carried by
// Inform, GetParameterValuesResponse and SetParameterValues.
type ParameterValueStruct struct {
	Name  string
	Value string
	// Type is the value's data type in TR-106 terms: "string", "int",
	// "unsignedInt", "long", "unsignedLong", "boolean", "dateTime",
	// "base64", "hexBinary", "decimal". It is written as the xsi:type of
	// the value ("xsd:string"; "base64" becomes XML Schema's
	// "xsd:base64Binary", and decodes back from it or from soap-enc:base64).
	// An empty Type is written as "xsd:string"; a value that arrived without
	// xsi:type decodes with an empty Type.
	Type string
}

func (p *ParameterValueStruct) encodeXML(e *encoder) {
	e.str("Name", p.Name)
	typ := p.Type
	switch typ {
	case "":
		typ = "string"
	case "base64":
		typ = "base64Binary"
	}
	e.raw(`<Value xsi:type="xsd:`)
	e.escape(typ)
	e.raw(`">`)
	e.escape(p.Value)
	e.close("Value")
}

// decodeXML is hand-written because it is the hottest path of the ACS (an
// Inform carries dozens, a GetParameterValuesResponse thousands) and because
// the value keeps its surrounding white space while the name does not.
func (p *ParameterValueStruct) decodeXML(d *xdoc, n int32, path string) error {
	for c := d.nodes[n].first; c != noNode; c = d.nodes[c].next {
		node := &d.nodes[c]
		switch node.local {
		case "Name":
			p.Name = strings.TrimSpace(node.text)
		case "Value":
			p.Value = node.text
			if t, ok := node.attr("type"); ok {
				p.Type = localPart(strings.TrimSpace(t))
				if p.Type == "base64Binary" {
					p.Type = "base64"
				}
			}
		}
	}
	return nil
}

// GetRPCMethods asks the peer which methods it supports. Both sides
// implement it.
type GetRPCMethods struct {
	cpeReq
	acsReq
}

// GetRPCMethodsResponse lists the methods the sender supports.
type GetRPCMethodsResponse struct {
	cpeResp
	acsResp
	MethodList []string `cwmp:"MethodList,array=string"`
}

// SetParameterValues sets parameters, all or nothing (TR-069 A.3.2.1).
type SetParameterValues struct {
	cpeReq
	ParameterList []ParameterValueStruct `cwmp:"ParameterList,array=ParameterValueStruct"`
	ParameterKey  string
}

// SetParameterValuesResponse reports whether the new values are applied
// (Status 0) or applied at the next reboot (1).
type SetParameterValuesResponse struct {
	cpeResp
	Status int
}

// GetParameterValues reads parameters by full name or partial path (ending
// in "."); "" means every parameter.
type GetParameterValues struct {
	cpeReq
	ParameterNames []string `cwmp:"ParameterNames,array=string"`
}

// GetParameterValuesResponse carries the values asked for.
type GetParameterValuesResponse struct {
	cpeResp
	ParameterList []ParameterValueStruct `cwmp:"ParameterList,array=ParameterValueStruct"`
}

// GetParameterNames discovers the parameters and objects below a path.
type GetParameterNames struct {
	cpeReq
	ParameterPath string
	NextLevel     bool
}

// ParameterInfoStruct is one name (objects end in ".") with its writability.
type ParameterInfoStruct struct {
	Name     string
	Writable bool
}

// GetParameterNamesResponse lists the names found.
type GetParameterNamesResponse struct {
	cpeResp
	ParameterList []ParameterInfoStruct `cwmp:"ParameterList,array=ParameterInfoStruct"`
}

// Notification is a parameter's notification attribute (TR-069 A.3.2.4).
type Notification int

// The notification attribute values. 3 to 6 are the lightweight (UDP)
// notification modes of CWMP 1.4.
const (
	NotificationOff                          Notification = 0
	NotificationPassive                      Notification = 1
	NotificationActive                       Notification = 2
	NotificationPassiveLightweight           Notification = 3
	NotificationPassiveAndPassiveLightweight Notification = 4
	NotificationActiveLightweight            Notification = 5
	NotificationPassiveAndActiveLightweight  Notification = 6
)

// SetParameterAttributesStruct changes the notification and/or access list
// of a parameter or of every parameter under a partial path.
type SetParameterAttributesStruct struct {
	Name               string
	NotificationChange bool
	Notification       Notification
	AccessListChange   bool
	AccessList         []string `cwmp:"AccessList,array=string"`
}

// SetParameterAttributes changes parameter attributes.
type SetParameterAttributes struct {
	cpeReq
	ParameterList []SetParameterAttributesStruct `cwmp:"ParameterList,array=SetParameterAttributesStruct"`
}

// SetParameterAttributesResponse acknowledges SetParameterAttributes.
type SetParameterAttributesResponse struct{ cpeResp }

// GetParameterAttributes reads parameter attributes.
type GetParameterAttributes struct {
	cpeReq
	ParameterNames []string `cwmp:"ParameterNames,array=string"`
}

// ParameterAttributeStruct is one parameter's attributes.
type ParameterAttributeStruct struct {
	Name         string
	Notification Notification
	AccessList   []string `cwmp:"AccessList,array=string"`
}

// GetParameterAttributesResponse carries the attributes asked for.
type GetParameterAttributesResponse struct {
	cpeResp
	ParameterList []ParameterAttributeStruct `cwmp:"ParameterList,array=ParameterAttributeStruct"`
}

// AddObject creates an instance of a multi-instance object; ObjectName ends
// in ".".
type AddObject struct {
	cpeReq
	ObjectName   string
	ParameterKey string
}

// AddObjectResponse gives the new instance number.
type AddObjectResponse struct {
	cpeResp
	InstanceNumber uint32
	Status         int
}

// DeleteObject removes an object instance ("Device.IP.Interface.3.").
type DeleteObject struct {
	cpeReq
	ObjectName   string
	ParameterKey string
}

// DeleteObjectResponse acknowledges DeleteObject.
type DeleteObjectResponse struct {
	cpeResp
	Status int
}

func init() {
	register(
		(*GetRPCMethods)(nil), (*GetRPCMethodsResponse)(nil),
		(*SetParameterValues)(nil), (*SetParameterValuesResponse)(nil),
		(*GetParameterValues)(nil), (*GetParameterValuesResponse)(nil),
		(*GetParameterNames)(nil), (*GetParameterNamesResponse)(nil),
		(*SetParameterAttributes)(nil), (*SetParameterAttributesResponse)(nil),
		(*GetParameterAttributes)(nil), (*GetParameterAttributesResponse)(nil),
		(*AddObject)(nil), (*AddObjectResponse)(nil),
		(*DeleteObject)(nil), (*DeleteObjectResponse)(nil),
	)
}

// MethodName implementations: the element name of each message.

func (*GetRPCMethods) MethodName() string                  { return "GetRPCMethods" }
func (*GetRPCMethodsResponse) MethodName() string          { return "GetRPCMethodsResponse" }
func (*SetParameterValues) MethodName() string             { return "SetParameterValues" }
func (*SetParameterValuesResponse) MethodName() string     { return "SetParameterValuesResponse" }
func (*GetParameterValues) MethodName() string             { return "GetParameterValues" }
func (*GetParameterValuesResponse) MethodName() string     { return "GetParameterValuesResponse" }
func (*GetParameterNames) MethodName() string              { return "GetParameterNames" }
func (*GetParameterNamesResponse) MethodName() string      { return "GetParameterNamesResponse" }
func (*SetParameterAttributes) MethodName() string         { return "SetParameterAttributes" }
func (*SetParameterAttributesResponse) MethodName() string { return "SetParameterAttributesResponse" }
func (*GetParameterAttributes) MethodName() string         { return "GetParameterAttributes" }
func (*GetParameterAttributesResponse) MethodName() string { return "GetParameterAttributesResponse" }
func (*AddObject) MethodName() string                      { return "AddObject" }
func (*AddObjectResponse) MethodName() string              { return "AddObjectResponse" }
func (*DeleteObject) MethodName() string                   { return "DeleteObject" }
func (*DeleteObjectResponse) MethodName() string           { return "DeleteObjectResponse" }
