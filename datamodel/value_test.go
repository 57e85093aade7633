package datamodel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Helpers are prefixed vt so they cannot clash with other tests of the
// package.

func vtInt(v int64) *int64 { return &v }

// vtRange is a range facet; nil bounds are open.
func vtRange(lo, hi *int64, step int64) Range { return Range{Min: lo, Max: hi, Step: step} }

func vtBetween(lo, hi int64) Range { return Range{Min: vtInt(lo), Max: vtInt(hi)} }

// vtCase is one value and what Validate must make of it: the canonical
// form, or a fault with code and (when msg is set) a fault string
// containing msg.
type vtCase struct {
	in   string
	want string
	code cwmp.FaultCode
	msg  string
}

func vtRun(t *testing.T, s Syntax, cases []vtCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q", c.in), func(t *testing.T) {
			got, err := s.Validate(c.in)
			vtCheck(t, got, err, c)
		})
	}
}

func vtCheck(t *testing.T, got string, err error, c vtCase) {
	t.Helper()
	if c.code == 0 {
		if err != nil {
			t.Fatalf("Validate(%q) = %v, want %q", c.in, err, c.want)
		}
		if got != c.want {
			t.Fatalf("Validate(%q) = %q, want %q", c.in, got, c.want)
		}
		return
	}
	f, ok := cwmp.AsFault(err)
	if !ok {
		t.Fatalf("Validate(%q) = %q, %v; want fault %d", c.in, got, err, c.code)
	}
	if f.Code != c.code {
		t.Fatalf("Validate(%q) fault %d (%s), want %d", c.in, f.Code, f.String, c.code)
	}
	if !strings.Contains(f.String, c.msg) {
		t.Fatalf("Validate(%q) fault string %q, want it to contain %q", c.in, f.String, c.msg)
	}
	if got != "" {
		t.Fatalf("Validate(%q) returned %q with its fault", c.in, got)
	}
}

const (
	badType  = cwmp.FaultInvalidParameterType
	badValue = cwmp.FaultInvalidParameterValue
)

func TestValidateBoolean(t *testing.T) {
	vtRun(t, Syntax{Base: Boolean}, []vtCase{
		{in: "true", want: "true"},
		{in: "false", want: "false"},
		{in: "1", want: "true"},
		{in: "0", want: "false"},
		{in: "TRUE", want: "true"},
		{in: "False", want: "false"},
		{in: " 1\n", want: "true"},
		{in: "yes", code: badType, msg: `value "yes" is not a boolean`},
		{in: "", code: badType},
		{in: "2", code: badType},
		{in: "t", code: badType},
		{in: "01", code: badType},
	})
}

func TestValidateInteger(t *testing.T) {
	t.Run("int", func(t *testing.T) {
		vtRun(t, Syntax{Base: Int}, []vtCase{
			{in: "0", want: "0"},
			{in: "-2147483648", want: "-2147483648"},
			{in: "2147483647", want: "2147483647"},
			{in: "+5", want: "5"},
			{in: "007", want: "7"},
			{in: "-007", want: "-7"},
			{in: "-0", want: "0"},
			{in: " 42\t", want: "42"},
			{in: "2147483648", code: badValue, msg: "out of range -2147483648..2147483647 (int)"},
			{in: "-2147483649", code: badValue},
			{in: "abc", code: badType, msg: `value "abc" is not an int`},
			{in: "1.5", code: badType},
			{in: "", code: badType},
			{in: "+", code: badType},
			{in: "-", code: badType},
			{in: "+-1", code: badType},
			{in: "1e3", code: badType},
			{in: "0x10", code: badType},
			{in: "1 2", code: badType},
			{in: "١٢", code: badType}, // Arabic-Indic digits
		})
	})
	t.Run("unsignedInt", func(t *testing.T) {
		vtRun(t, Syntax{Base: UnsignedInt}, []vtCase{
			{in: "0", want: "0"},
			{in: "4294967295", want: "4294967295"},
			{in: "-0", want: "0"},
			{in: "+4294967295", want: "4294967295"},
			{in: "4294967296", code: badValue, msg: "out of range 0..4294967295 (unsignedInt)"},
			{in: "-1", code: badValue},
			{in: "abc", code: badType, msg: `value "abc" is not an unsignedInt`},
			{in: "12abc", code: badType},
		})
	})
	t.Run("long", func(t *testing.T) {
		vtRun(t, Syntax{Base: Long}, []vtCase{
			{in: "-9223372036854775808", want: "-9223372036854775808"},
			{in: "9223372036854775807", want: "9223372036854775807"},
			{in: "9223372036854775808", code: badValue},
			{in: "-9223372036854775809", code: badValue},
			{in: "x", code: badType, msg: "is not a long"},
		})
	})
	t.Run("unsignedLong", func(t *testing.T) {
		vtRun(t, Syntax{Base: UnsignedLong}, []vtCase{
			{in: "18446744073709551615", want: "18446744073709551615"},
			{in: "000018446744073709551615", want: "18446744073709551615"},
			{in: "18446744073709551616", code: badValue, msg: "out of range 0..18446744073709551615 (unsignedLong)"},
			{in: "99999999999999999999999999", code: badValue},
			{in: "-1", code: badValue},
			{in: "1.0", code: badType, msg: "is not an unsignedLong"},
		})
	})
}

func TestValidateRanges(t *testing.T) {
	t.Run("one", func(t *testing.T) {
		vtRun(t, Syntax{Base: UnsignedInt, Ranges: []Range{vtBetween(1, 86400)}}, []vtCase{
			{in: "1", want: "1"},
			{in: "86400", want: "86400"},
			{in: "0", code: badValue},
			{in: "86401", code: badValue},
			{in: "300000", code: badValue, msg: `value "300000" out of range 1..86400`},
		})
	})
	t.Run("several", func(t *testing.T) {
		s := Syntax{Base: Int, Ranges: []Range{vtBetween(-1, -1), vtBetween(1, 10), vtRange(vtInt(100), nil, 0)}}
		vtRun(t, s, []vtCase{
			{in: "-1", want: "-1"},
			{in: "1", want: "1"},
			{in: "10", want: "10"},
			{in: "100", want: "100"},
			{in: "2147483647", want: "2147483647"},
			{in: "0", code: badValue, msg: "out of range -1, 1..10, 100.."},
			{in: "11", code: badValue},
			{in: "99", code: badValue},
			{in: "-2", code: badValue},
		})
	})
	t.Run("max only", func(t *testing.T) {
		vtRun(t, Syntax{Base: Int, Ranges: []Range{vtRange(nil, vtInt(-5), 0)}}, []vtCase{
			{in: "-5", want: "-5"},
			{in: "-2147483648", want: "-2147483648"},
			{in: "-4", code: badValue, msg: "out of range ..-5"},
		})
	})
	t.Run("step", func(t *testing.T) {
		vtRun(t, Syntax{Base: UnsignedInt, Ranges: []Range{vtRange(vtInt(0), vtInt(100), 5)}}, []vtCase{
			{in: "0", want: "0"},
			{in: "5", want: "5"},
			{in: "100", want: "100"},
			{in: "3", code: badValue, msg: "out of range 0..100 step 5"},
			{in: "105", code: badValue},
		})
	})
	t.Run("step from negative min", func(t *testing.T) {
		vtRun(t, Syntax{Base: Int, Ranges: []Range{vtRange(vtInt(-12), vtInt(12), 5)}}, []vtCase{
			{in: "-12", want: "-12"},
			{in: "-7", want: "-7"},
			{in: "3", want: "3"},
			{in: "8", want: "8"},
			{in: "-10", code: badValue},
			{in: "0", code: badValue},
			{in: "13", code: badValue},
		})
	})
	t.Run("step without min counts from 0", func(t *testing.T) {
		vtRun(t, Syntax{Base: Int, Ranges: []Range{vtRange(nil, vtInt(100), 7)}}, []vtCase{
			{in: "-7", want: "-7"},
			{in: "0", want: "0"},
			{in: "98", want: "98"},
			{in: "1", code: badValue},
			{in: "-1", code: badValue},
		})
	})
	t.Run("unsignedLong above MaxInt64", func(t *testing.T) {
		s := Syntax{Base: UnsignedLong, Ranges: []Range{vtRange(vtInt(0), nil, 2)}}
		vtRun(t, s, []vtCase{
			{in: "18446744073709551614", want: "18446744073709551614"},
			{in: "18446744073709551615", code: badValue},
		})
		vtRun(t, Syntax{Base: UnsignedLong, Ranges: []Range{vtBetween(10, 20)}}, []vtCase{
			{in: "18446744073709551615", code: badValue},
		})
	})
}

func TestValidateDecimal(t *testing.T) {
	t.Run("forms", func(t *testing.T) {
		vtRun(t, Syntax{Base: Decimal}, []vtCase{
			{in: "1.5", want: "1.5"},
			{in: "+1.50", want: "1.5"},
			{in: "2.0", want: "2"},
			{in: "-0.0", want: "0"},
			{in: ".5", want: "0.5"},
			{in: "5.", want: "5"},
			{in: "-.5", want: "-0.5"},
			{in: "007.100", want: "7.1"},
			{in: " 3 ", want: "3"},
			{in: "123456789012345678901234567890.000000000000000000001", want: "123456789012345678901234567890.000000000000000000001"},
			{in: "1e3", code: badType, msg: `value "1e3" is not a decimal`},
			{in: ".", code: badType},
			{in: "", code: badType},
			{in: "-", code: badType},
			{in: "1.2.3", code: badType},
			{in: "1,5", code: badType},
			{in: "NaN", code: badType},
			{in: "Inf", code: badType},
		})
	})
	t.Run("exact range", func(t *testing.T) {
		vtRun(t, Syntax{Base: Decimal, Ranges: []Range{vtBetween(0, 1)}}, []vtCase{
			{in: "0", want: "0"},
			{in: "1", want: "1"},
			{in: "1.000", want: "1"},
			{in: "0.99999999999999999999999", want: "0.99999999999999999999999"},
			{in: "-0.000", want: "0"},
			{in: "1.0000000000000000001", code: badValue, msg: "out of range 0..1"},
			{in: "-0.0000001", code: badValue},
			{in: "100000000000000000000000", code: badValue},
		})
	})
	t.Run("negative range", func(t *testing.T) {
		vtRun(t, Syntax{Base: Decimal, Ranges: []Range{vtBetween(-5, -1)}}, []vtCase{
			{in: "-1", want: "-1"},
			{in: "-5", want: "-5"},
			{in: "-1.5", want: "-1.5"},
			{in: "-0.5", code: badValue},
			{in: "-5.0000001", code: badValue},
			{in: "3", code: badValue},
		})
	})
	t.Run("step", func(t *testing.T) {
		vtRun(t, Syntax{Base: Decimal, Ranges: []Range{vtRange(vtInt(-4), vtInt(10), 2)}}, []vtCase{
			{in: "4", want: "4"},
			{in: "4.0", want: "4"},
			{in: "-2", want: "-2"},
			{in: "4.5", code: badValue},
			{in: "3", code: badValue},
		})
	})
}

func TestValidateDateTime(t *testing.T) {
	vtRun(t, Syntax{Base: DateTime}, []vtCase{
		{in: "2024-06-01T12:00:00Z", want: "2024-06-01T12:00:00Z"},
		{in: "2024-06-01T12:00:00+00:00", want: "2024-06-01T12:00:00Z"},
		{in: "2024-06-01T12:00:00-00:00", want: "2024-06-01T12:00:00Z"},
		{in: "2024-06-01T12:00:00+02:00", want: "2024-06-01T12:00:00+02:00"},
		{in: "2024-06-01T12:00:00-09:30", want: "2024-06-01T12:00:00-09:30"},
		{in: "2024-06-01T12:00:00+14:00", want: "2024-06-01T12:00:00+14:00"},
		{in: "2024-06-01T12:00:00.500Z", want: "2024-06-01T12:00:00.5Z"},
		{in: "2024-06-01T12:00:00.000Z", want: "2024-06-01T12:00:00Z"},
		{in: "2024-06-01T12:00:00.123456789123Z", want: "2024-06-01T12:00:00.123456789123Z"},
		{in: " 2024-06-01T12:00:00Z\n", want: "2024-06-01T12:00:00Z"},
		{in: cwmp.UnknownTime, want: cwmp.UnknownTime},
		{in: "0001-01-03T03:04:05", want: "0001-01-03T03:04:05"}, // relative time since boot
		{in: "2024-06-01T12:00:00", want: "2024-06-01T12:00:00"}, // untimezoned, kept so
		{in: "2024-02-29T00:00:00Z", want: "2024-02-29T00:00:00Z"},
		{in: "2000-02-29T00:00:00Z", want: "2000-02-29T00:00:00Z"},
		{in: "2024-06-01T24:00:00Z", want: "2024-06-02T00:00:00Z"},
		{in: "2024-12-31T24:00:00+01:00", want: "2025-01-01T00:00:00+01:00"},
		{in: "9999-12-31T23:59:59Z", want: "9999-12-31T23:59:59Z"},
		{in: "2023-02-29T00:00:00Z", code: badType, msg: "day must be 01..28 in 2023-02"},
		{in: "1900-02-29T00:00:00Z", code: badType},
		{in: "2024-04-31T00:00:00Z", code: badType},
		{in: "2024-13-01T00:00:00Z", code: badType, msg: "month"},
		{in: "2024-00-01T00:00:00Z", code: badType},
		{in: "2024-06-01T24:00:01Z", code: badType},
		{in: "2024-06-01T12:60:00Z", code: badType},
		{in: "2024-06-01T12:00:60Z", code: badType}, // no leap seconds in XML Schema 1.0
		{in: "2024-06-01T25:00:00Z", code: badType},
		{in: "9999-12-31T24:00:00Z", code: badType},
		{in: "0000-01-01T00:00:00Z", code: badType, msg: "year 0000"},
		{in: "2024-06-01 12:00:00Z", code: badType},
		{in: "2024-06-01", code: badType},
		{in: "2024-06-01T12:00Z", code: badType},
		{in: "2024-6-01T12:00:00Z", code: badType},
		{in: "12024-06-01T12:00:00Z", code: badType},
		{in: "-2024-06-01T12:00:00Z", code: badType},
		{in: "2024-06-01T12:00:00.Z", code: badType},
		{in: "2024-06-01T12:00:00z", code: badType},
		{in: "2024-06-01T12:00:00+15:00", code: badType, msg: "offset"},
		{in: "2024-06-01T12:00:00+14:30", code: badType},
		{in: "2024-06-01T12:00:00+0200", code: badType},
		{in: "2024-06-01T12:00:00GMT", code: badType},
		{in: "", code: badType, msg: `value "" is not a dateTime`},
		{in: "yesterday", code: badType},
	})
}

func TestParseDateTime(t *testing.T) {
	unknown, err := ParseDateTime(cwmp.UnknownTime)
	if err != nil || !unknown.IsZero() {
		t.Errorf("ParseDateTime(UnknownTime) = %v, %v; want the zero time", unknown, err)
	}
	rel, err := ParseDateTime("0001-01-03T03:04:05")
	if want := 2*24*time.Hour + 3*time.Hour + 4*time.Minute + 5*time.Second; err != nil || rel.Sub(time.Time{}) != want {
		t.Errorf("relative time since boot: %v, %v; want uptime %v", rel.Sub(time.Time{}), err, want)
	}
	off, err := ParseDateTime("2024-06-01T14:00:00.25+02:00")
	if err != nil || !off.Equal(time.Date(2024, 6, 1, 12, 0, 0, 250e6, time.UTC)) {
		t.Errorf("offset: %v, %v", off, err)
	}
	if _, o := off.Zone(); o != 7200 {
		t.Errorf("offset kept as %d s, want 7200", o)
	}
	bare, err := ParseDateTime("2024-06-01T12:00:00")
	if err != nil || bare.Location() != time.UTC {
		t.Errorf("untimezoned: %v, %v; want UTC", bare, err)
	}
	_, err = ParseDateTime("2024-06-31T00:00:00Z")
	if f, ok := cwmp.AsFault(err); !ok || f.Code != badType {
		t.Errorf("ParseDateTime(June 31) error = %v, want fault 9006", err)
	}
}

func TestParseBool(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{"1", true, false}, {"0", false, false},
		{"true", true, false}, {"false", false, false},
		{"TRUE", true, false}, {"fAlSe", false, false},
		{"\ttrue ", true, false},
		{"", false, true}, {"yes", false, true}, {"on", false, true}, {"-1", false, true}, {"1.0", false, true},
	} {
		t.Run(fmt.Sprintf("%q", c.in), func(t *testing.T) {
			got, err := ParseBool(c.in)
			if c.wantErr {
				if f, ok := cwmp.AsFault(err); !ok || f.Code != badType {
					t.Fatalf("ParseBool(%q) = %v, %v; want fault 9006", c.in, got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ParseBool(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" \t\n", nil},
		{"a", []string{"a"}},
		{"a,b", []string{"a", "b"}},
		{" a , b ", []string{"a", "b"}},
		{"a\t,\r\nb", []string{"a", "b"}},
		{"a,,b", []string{"a", "", "b"}},
		{"a,", []string{"a", ""}},
		{",", []string{"", ""}},
		{"a b,c", []string{"a b", "c"}},
		{"\u00a0a", []string{"\u00a0a"}}, // only XML white space is trimmed
	} {
		t.Run(fmt.Sprintf("%q", c.in), func(t *testing.T) {
			if got := SplitList(c.in); !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
				t.Fatalf("SplitList(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// The pattern of TR-106's IPv4Address with its entities resolved.
const (
	vtOctet       = `(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])`
	vtIPv4Pattern = `(` + vtOctet + `\.){3}` + vtOctet
	vtMACPattern  = `([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])`
)

var (
	vtIPv4Address = Syntax{Base: String, DataType: "IPv4Address", Sizes: []Range{vtRange(nil, vtInt(15), 0)}, Patterns: []string{"", vtIPv4Pattern}}
	vtMACAddress  = Syntax{Base: String, DataType: "MACAddress", Sizes: []Range{vtRange(nil, vtInt(17), 0)}, Patterns: []string{"", vtMACPattern}}
)

func TestValidateString(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		vtRun(t, Syntax{Base: String}, []vtCase{
			{in: "", want: ""},
			{in: " padded ", want: " padded "},
			{in: "a,b", want: "a,b"},
			{in: "日本", want: "日本"},
		})
	})
	t.Run("size counts characters", func(t *testing.T) {
		vtRun(t, Syntax{Base: String, Sizes: []Range{vtRange(vtInt(2), vtInt(4), 0)}}, []vtCase{
			{in: "ab", want: "ab"},
			{in: "abcd", want: "abcd"},
			{in: "ñañá", want: "ñañá"}, // 4 characters, 8 bytes
			{in: "日本語で", want: "日本語で"},
			{in: "a", code: badValue, msg: `value "a" is 1 characters long (allowed length 2..4)`},
			{in: "abcde", code: badValue},
			{in: "日本語です", code: badValue},
		})
	})
	t.Run("alternative sizes", func(t *testing.T) {
		vtRun(t, Syntax{Base: String, Sizes: []Range{vtBetween(0, 0), vtBetween(3, 3)}}, []vtCase{
			{in: "", want: ""},
			{in: "abc", want: "abc"},
			{in: "ab", code: badValue, msg: "allowed length 0, 3"},
		})
	})
	t.Run("enumeration", func(t *testing.T) {
		s := Syntax{Base: String, Enumerations: []string{"Up", "Down", "Unknown", "Dormant", "NotPresent", "LowerLayerDown", "Error"}}
		vtRun(t, s, []vtCase{
			{in: "Up", want: "Up"},
			{in: "Error", want: "Error"},
			{in: "up", code: badValue},
			{in: " Up", code: badValue},
			{in: "", code: badValue},
			{in: "purple", code: badValue, msg: `value "purple" is not one of Up, Down, Unknown, Dormant, NotPresent (+2 more)`},
		})
	})
	t.Run("IPv4Address", func(t *testing.T) {
		vtRun(t, vtIPv4Address, []vtCase{
			{in: "", want: ""},
			{in: "192.168.1.254", want: "192.168.1.254"},
			{in: "0.0.0.0", want: "0.0.0.0"},
			{in: "255.255.255.255", want: "255.255.255.255"},
			{in: "216.52.29.100", want: "216.52.29.100"},
			{in: "256.1.1.1", code: badValue, msg: "(data type IPv4Address)"},
			{in: "1.2.3", code: badValue},
			{in: "1.2.3.4.5", code: badValue},
			{in: "1.2.3.x", code: badValue},
			{in: " 1.2.3.4", code: badValue},
			{in: "1.2.3.4\n", code: badValue}, // the anchor is the end of the text, not of a line
			{in: "::1", code: badValue},
			{in: "1111.2.3.4", code: badValue},
		})
	})
	t.Run("MACAddress", func(t *testing.T) {
		vtRun(t, vtMACAddress, []vtCase{
			{in: "", want: ""},
			{in: "00:1A:2b:3C:4d:5E", want: "00:1A:2b:3C:4d:5E"},
			{in: "001A2B3C4D5E", code: badValue},
			{in: "00-1A-2B-3C-4D-5E", code: badValue},
			{in: "00:1A:2B:3C:4D:5E:6F", code: badValue},
			{in: "00:1A:2B:3C:4D:5G", code: badValue},
		})
	})
	t.Run("UUID", func(t *testing.T) {
		s := Syntax{Base: String, Sizes: []Range{vtBetween(36, 36)}, Patterns: []string{`[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}`}}
		vtRun(t, s, []vtCase{
			{in: "123e4567-e89b-12d3-a456-426614174000", want: "123e4567-e89b-12d3-a456-426614174000"},
			{in: "123e4567e89b12d3a456426614174000", code: badValue, msg: "is 32 characters long"},
			{in: "123e4567-e89b-12d3-a456-42661417400g", code: badValue, msg: "does not match pattern"},
		})
	})
	t.Run("alternation is anchored as a whole", func(t *testing.T) {
		vtRun(t, Syntax{Base: String, Patterns: []string{`[0-9]|[1-5][0-9]|6[0-3]`}}, []vtCase{
			{in: "7", want: "7"},
			{in: "63", want: "63"},
			{in: "64", code: badValue},
			{in: "7x", code: badValue},
			{in: "x63", code: badValue},
		})
	})
	t.Run("XML Schema has no anchors", func(t *testing.T) {
		vtRun(t, Syntax{Base: String, Patterns: []string{`a^b$`, `[^x]`}}, []vtCase{
			{in: "a^b$", want: "a^b$"},
			{in: "y", want: "y"},
			{in: "ab", code: badValue},
			{in: "x", code: badValue},
		})
	})
	t.Run("dot excludes CR and LF", func(t *testing.T) {
		vtRun(t, Syntax{Base: String, Patterns: []string{`a.b`}}, []vtCase{
			{in: "axb", want: "axb"},
			{in: "a\rb", code: badValue},
			{in: "a\nb", code: badValue},
		})
	})
	t.Run("uncompilable patterns match everything", func(t *testing.T) {
		vtRun(t, Syntax{Base: String, Patterns: []string{`\i\c*`}}, []vtCase{
			{in: "anything", want: "anything"},
			{in: "", want: ""},
		})
		vtRun(t, Syntax{Base: String, Patterns: []string{`[a-z-[aeiou]]`}}, []vtCase{
			{in: "e", want: "e"},
		})
		vtRun(t, Syntax{Base: String, Patterns: []string{`[0-9]+`, `(unclosed`}}, []vtCase{
			{in: "abc", want: "abc"},
		})
	})
	t.Run("several patterns", func(t *testing.T) {
		s := Syntax{Base: String, Patterns: []string{`Null`, `Drop`, `[0-9]+`}}
		vtRun(t, s, []vtCase{
			{in: "Drop", want: "Drop"},
			{in: "42", want: "42"},
			{in: "drop", code: badValue, msg: `does not match any of the patterns "Null", "Drop", "[0-9]+"`},
		})
	})
	t.Run("pathRef", func(t *testing.T) {
		s := Syntax{Base: String, PathRef: &PathRef{TargetParent: []string{"Device.IP.Interface."}, TargetType: "row", RefType: "strong"}}
		vtRun(t, s, []vtCase{
			{in: "", want: ""},
			{in: "Device.IP.Interface.1", want: "Device.IP.Interface.1"},
			{in: "Device.IP.Interface.1.", want: "Device.IP.Interface.1."},
			{in: "Device.IP.Interface.[cpe-wan].", want: "Device.IP.Interface.[cpe-wan]."},
			{in: "Device.X_ACME-COM_Thing.2.Name", want: "Device.X_ACME-COM_Thing.2.Name"},
			{in: "InternetGatewayDevice.WANDevice.1.", want: "InternetGatewayDevice.WANDevice.1."},
			{in: "Device..IP", code: badValue, msg: "is not a parameter or object path"},
			{in: ".Device.IP", code: badValue},
			{in: "1.Device", code: badValue},
			{in: "Device.IP.Interface.{i}.", code: badValue},
			{in: "Device.IP Interface", code: badValue},
			{in: ".", code: badValue},
			{in: "Device.IP.Interface.[].", code: badValue},
			{in: "Device.IP.Interface.-1", code: badValue},
		})
	})
	t.Run("facets combine", func(t *testing.T) {
		s := Syntax{Base: String, Sizes: []Range{vtRange(nil, vtInt(4), 0)}, Enumerations: []string{"Up", "Downwards"}}
		vtRun(t, s, []vtCase{
			{in: "Up", want: "Up"},
			{in: "Downwards", code: badValue, msg: "characters long"},
		})
	})
}

func TestValidateBinary(t *testing.T) {
	t.Run("base64", func(t *testing.T) {
		vtRun(t, Syntax{Base: Base64}, []vtCase{
			{in: "", want: ""},
			{in: "QUJD", want: "QUJD"},
			{in: "QUJDRA==", want: "QUJDRA=="},
			{in: "QUJD\r\nRA==\n", want: "QUJDRA=="},
			{in: " QU JD ", want: "QUJD"},
			{in: "QR==", want: "QQ=="}, // non-zero padding bits cleared
			{in: "QQ", code: badType, msg: `value "QQ" is not base64`},
			{in: "QUJD=", code: badType},
			{in: "!!!!", code: badType},
			{in: "QUJ-", code: badType}, // URL alphabet
		})
	})
	t.Run("base64 size counts decoded bytes", func(t *testing.T) {
		vtRun(t, Syntax{Base: Base64, Sizes: []Range{vtRange(nil, vtInt(3), 0)}}, []vtCase{
			{in: "QUJD", want: "QUJD"}, // 4 characters, 3 bytes
			{in: "QUJDRA==", code: badValue, msg: "decodes to 4 bytes (allowed size ..3)"},
		})
		vtRun(t, Syntax{Base: Base64, Sizes: []Range{vtBetween(16, 16)}}, []vtCase{
			{in: "AAAAAAAAAAAAAAAAAAAAAA==", want: "AAAAAAAAAAAAAAAAAAAAAA=="},
			{in: "AAAAAAAAAAAAAAAAAAAA", code: badValue, msg: "decodes to 15 bytes"},
		})
	})
	t.Run("hexBinary", func(t *testing.T) {
		vtRun(t, Syntax{Base: HexBinary}, []vtCase{
			{in: "", want: ""},
			{in: "0a1B2c3D", want: "0A1B2C3D"},
			{in: "ABCDEF", want: "ABCDEF"},
			{in: " 0a0b \n", want: "0A0B"},
			{in: "ABC", code: badType, msg: "is not hexBinary"},
			{in: "GG", code: badType},
			{in: "0A 0B", code: badType},
			{in: "0x0A", code: badType},
		})
	})
	t.Run("hexBinary size counts bytes", func(t *testing.T) {
		vtRun(t, Syntax{Base: HexBinary, Sizes: []Range{vtBetween(0, 0), vtBetween(4, 4)}}, []vtCase{
			{in: "", want: ""},
			{in: "0a1b2c3d", want: "0A1B2C3D"},
			{in: "0A1B2C", code: badValue, msg: "is 3 bytes long (allowed size 0, 4)"},
			{in: "0A1B2C3D4E", code: badValue},
		})
		vtRun(t, Syntax{Base: HexBinary, Sizes: []Range{vtRange(nil, vtInt(2), 0)}}, []vtCase{
			{in: "AABB", want: "AABB"}, // 4 digits, 2 bytes
			{in: "AABBCC", code: badValue},
		})
	})
}

func TestValidateList(t *testing.T) {
	t.Run("unsignedInt items", func(t *testing.T) {
		s := Syntax{Base: UnsignedInt, Ranges: []Range{vtBetween(1, 10)}, List: &List{MinItems: 1, MaxItems: 3}}
		vtRun(t, s, []vtCase{
			{in: "1", want: "1"},
			{in: "1,2,3", want: "1,2,3"},
			{in: " 1 , 2 ,3 ", want: "1,2,3"},
			{in: "01,+2", want: "1,2"},
			{in: "", code: badValue, msg: "list has 0 items (allowed 1..3)"},
			{in: "1,2,3,4", code: badValue, msg: "list has 4 items"},
			{in: "1,11", code: badValue, msg: `list item 2: value "11" out of range 1..10`},
			{in: "1,abc", code: badValue, msg: `list item 2: value "abc" is not an unsignedInt`},
			{in: "1,,2", code: badValue, msg: "list item 2"},
		})
	})
	t.Run("unbounded", func(t *testing.T) {
		many := strings.Repeat("7,", 99) + "7"
		for _, l := range []*List{{MaxItems: -1}, {}} {
			vtRun(t, Syntax{Base: Int, List: l}, []vtCase{
				{in: "", want: ""},
				{in: many, want: many},
			})
		}
	})
	t.Run("enumerated strings", func(t *testing.T) {
		s := Syntax{Base: String, Enumerations: []string{"HTTP", "HTTPS", "FTP"}, List: &List{MaxItems: -1}}
		vtRun(t, s, []vtCase{
			{in: "HTTP,HTTPS", want: "HTTP,HTTPS"},
			{in: "HTTP, FTP", want: "HTTP,FTP"},
			{in: "HTTP,SMTP", code: badValue, msg: `list item 2: value "SMTP" is not one of HTTP, HTTPS, FTP`},
		})
	})
	t.Run("item size and list size", func(t *testing.T) {
		s := Syntax{Base: String, Sizes: []Range{vtRange(nil, vtInt(3), 0)}, List: &List{MaxItems: -1, Sizes: []Range{vtRange(nil, vtInt(8), 0)}}}
		vtRun(t, s, []vtCase{
			{in: "abc,de", want: "abc,de"},
			{in: "abc, de, f", want: "abc,de,f"}, // 10 characters as sent, 8 stored
			{in: "ab, c, d", want: "ab,c,d"},
			{in: "abc,def", want: "abc,def"},
			{in: "abcd", code: badValue, msg: "list item 1"},
			{in: "abc,def,g", code: badValue, msg: "list is 9 characters long (allowed length ..8)"},
		})
	})
	t.Run("paths", func(t *testing.T) {
		s := Syntax{Base: String, PathRef: &PathRef{TargetType: "row"}, List: &List{MaxItems: -1}}
		vtRun(t, s, []vtCase{
			{in: "Device.Ethernet.Interface.1, Device.PPP.Interface.2", want: "Device.Ethernet.Interface.1,Device.PPP.Interface.2"},
			{in: "Device.Ethernet.Interface.1,Device..X", code: badValue, msg: "list item 2"},
		})
	})
	t.Run("pairs", func(t *testing.T) { // TR-181's PSDBreakPointIndexAndLevel
		vtRun(t, Syntax{Base: UnsignedInt, List: &List{MinItems: 2, MaxItems: 2}}, []vtCase{
			{in: "100,200", want: "100,200"},
			{in: "100", code: badValue},
			{in: "100,200,300", code: badValue},
		})
	})
}

func TestValidateSecretValueNotShown(t *testing.T) {
	for _, s := range []Syntax{
		{Base: String, Secured: true, Sizes: []Range{vtRange(nil, vtInt(4), 0)}},
		{Base: String, Hidden: true, Enumerations: []string{"x"}},
		{Base: UnsignedInt, Secured: true},
		{Base: DateTime, Secured: true},
		{Base: Boolean, Hidden: true},
		{Base: String, Secured: true, Patterns: []string{"[0-9]+"}, List: &List{MaxItems: -1}},
	} {
		t.Run(s.typeName(), func(t *testing.T) {
			_, err := s.Validate("hunter22")
			f, ok := cwmp.AsFault(err)
			if !ok {
				t.Fatalf("Validate(secret) = %v, want a fault", err)
			}
			if strings.Contains(f.String, "hunter") || strings.Contains(f.Error(), "hunter") {
				t.Fatalf("fault shows the secret: %q", f.String)
			}
		})
	}
}

func TestValidateLongValueIsCut(t *testing.T) {
	long := strings.Repeat("é", 5000)
	_, err := (&Syntax{Base: String, Sizes: []Range{vtRange(nil, vtInt(10), 0)}}).Validate(long)
	f, ok := cwmp.AsFault(err)
	if !ok || f.Code != badValue {
		t.Fatalf("Validate(long) = %v, want fault 9007", err)
	}
	if len(f.String) > 300 || !strings.Contains(f.String, `..."`) && !strings.Contains(f.String, `"...`) {
		t.Fatalf("fault string not cut: %d bytes: %.100q", len(f.String), f.String)
	}
	if !strings.Contains(f.String, "5000 characters") {
		t.Fatalf("fault string %q does not give the length", f.String)
	}
}

// TestValidateFaultMessages pins whole fault strings, since the ACS shows
// them to operators.
func TestValidateFaultMessages(t *testing.T) {
	for _, c := range []struct {
		s    Syntax
		in   string
		want string
	}{
		{Syntax{Base: UnsignedInt, Ranges: []Range{vtBetween(1, 86400)}}, "300000", `value "300000" out of range 1..86400`},
		{Syntax{Base: String, Enumerations: []string{"Up", "Down", "Unknown", "Dormant", "NotPresent", "LowerLayerDown"}}, "purple", `value "purple" is not one of Up, Down, Unknown, Dormant, NotPresent (+1 more)`},
		{Syntax{Base: UnsignedInt}, "abc", `value "abc" is not an unsignedInt`},
		{Syntax{Base: UnsignedInt}, "-1", `value "-1" out of range 0..4294967295 (unsignedInt)`},
		{vtIPv4Address, "1.2.3", `value "1.2.3" does not match any of the patterns "", "` + strings.ReplaceAll(vtIPv4Pattern, `\`, `\\`) + `" (data type IPv4Address)`},
		{Syntax{Base: Int, List: &List{MinItems: 2, MaxItems: 2}}, "1,x", `list item 2: value "x" is not an int`},
		{Syntax{Base: DateTime}, "2024-02-30T00:00:00Z", `value "2024-02-30T00:00:00Z" is not a dateTime: day must be 01..29 in 2024-02`},
	} {
		t.Run(c.in, func(t *testing.T) {
			_, err := c.s.Validate(c.in)
			f, ok := cwmp.AsFault(err)
			if !ok || f.String != c.want {
				t.Fatalf("Validate(%q) = %v\nwant fault string %s", c.in, err, c.want)
			}
		})
	}
}

func TestValidateAllowsReadOnlyEnumerations(t *testing.T) {
	s := Syntax{Base: String, Enumerations: []string{"Requested", "Complete"}, ReadOnlyEnumerations: []string{"Complete"}}
	if v, err := s.Validate("Complete"); err != nil || v != "Complete" {
		t.Fatalf("Validate(Complete) = %q, %v; the device may set it", v, err)
	}
}

func TestValidateUnknownBaseType(t *testing.T) {
	_, err := (&Syntax{Base: BaseType(200)}).Validate("1")
	if f, ok := cwmp.AsFault(err); !ok || f.Code != cwmp.FaultInternalError {
		t.Fatalf("Validate with unknown base type = %v, want fault 9002", err)
	}
}

func TestCheckType(t *testing.T) {
	uintList := Syntax{Base: UnsignedInt, List: &List{MaxItems: -1}}
	for _, c := range []struct {
		s     Syntax
		xsi   string
		valid bool
	}{
		{Syntax{Base: UnsignedInt}, "", true},
		{Syntax{Base: UnsignedInt}, "unsignedInt", true},
		{Syntax{Base: UnsignedInt}, "xsd:unsignedInt", true},
		{Syntax{Base: UnsignedInt}, " xsd:unsignedInt ", true},
		{Syntax{Base: UnsignedInt}, "UNSIGNEDINT", true},
		{Syntax{Base: UnsignedInt}, "string", true},
		{Syntax{Base: UnsignedInt}, "xsd:string", true},
		{Syntax{Base: UnsignedInt}, "int", true},
		{Syntax{Base: UnsignedInt}, "long", true},
		{Syntax{Base: UnsignedInt}, "unsignedLong", true},
		{Syntax{Base: UnsignedInt}, "boolean", false},
		{Syntax{Base: UnsignedInt}, "dateTime", false},
		{Syntax{Base: UnsignedInt}, "decimal", false},
		{Syntax{Base: UnsignedInt}, "double", false},
		{Syntax{Base: UnsignedInt}, "xsd:anyType", false},
		{Syntax{Base: Int}, "unsignedInt", true},
		{Syntax{Base: Long}, "int", true},
		{Syntax{Base: String}, "", true},
		{Syntax{Base: String}, "string", true},
		{Syntax{Base: String}, "int", false},
		{Syntax{Base: String}, "boolean", false},
		{Syntax{Base: String}, "base64", false},
		{Syntax{Base: Boolean}, "boolean", true},
		{Syntax{Base: Boolean}, "string", true},
		{Syntax{Base: Boolean}, "int", false},
		{Syntax{Base: Boolean}, "unsignedInt", false},
		{Syntax{Base: Decimal}, "decimal", true},
		{Syntax{Base: Decimal}, "int", true},
		{Syntax{Base: Decimal}, "unsignedLong", true},
		{Syntax{Base: Decimal}, "string", true},
		{Syntax{Base: Decimal}, "boolean", false},
		{Syntax{Base: DateTime}, "dateTime", true},
		{Syntax{Base: DateTime}, "string", true},
		{Syntax{Base: DateTime}, "unsignedInt", false},
		{Syntax{Base: Base64}, "base64", true},
		{Syntax{Base: Base64}, "base64Binary", true},
		{Syntax{Base: Base64}, "xsd:base64Binary", true},
		{Syntax{Base: Base64}, "hexBinary", false},
		{Syntax{Base: HexBinary}, "hexBinary", true},
		{Syntax{Base: HexBinary}, "base64", false},
		{uintList, "string", true},
		{uintList, "unsignedInt", true},
		{uintList, "", true},
		{uintList, "boolean", false},
	} {
		t.Run(c.s.typeName()+"/"+c.xsi, func(t *testing.T) {
			err := c.s.CheckType(c.xsi)
			if c.valid {
				if err != nil {
					t.Fatalf("CheckType(%q) on %s = %v, want nil", c.xsi, c.s.typeName(), err)
				}
				return
			}
			if f, ok := cwmp.AsFault(err); !ok || f.Code != badType {
				t.Fatalf("CheckType(%q) on %s = %v, want fault 9006", c.xsi, c.s.typeName(), err)
			}
		})
	}
}

func TestValidateWrite(t *testing.T) {
	diag := Syntax{Base: String, Enumerations: []string{"None", "Requested", "Canceled", "Complete", "Error"}, ReadOnlyEnumerations: []string{"None", "Complete", "Error"}}
	diagList := diag
	diagList.List = &List{MaxItems: -1}
	for _, c := range []struct {
		s    Syntax
		xsi  string
		in   vtCase
		name string
	}{
		{Syntax{Base: UnsignedInt}, "string", vtCase{in: "42", want: "42"}, "string carrying a number"},
		{Syntax{Base: UnsignedInt}, "string", vtCase{in: "abc", code: badType}, "string carrying no number"},
		{Syntax{Base: UnsignedInt}, "int", vtCase{in: "5", want: "5"}, "int for unsignedInt"},
		{Syntax{Base: UnsignedInt}, "int", vtCase{in: "-1", code: badValue}, "negative int for unsignedInt"},
		{Syntax{Base: UnsignedInt}, "boolean", vtCase{in: "1", code: badType, msg: "xsi:type boolean does not match the parameter's type unsignedInt"}, "boolean for unsignedInt"},
		{Syntax{Base: Boolean}, "string", vtCase{in: "1", want: "true"}, "string for boolean"},
		{Syntax{Base: Boolean}, "xsd:boolean", vtCase{in: "0", want: "false"}, "boolean"},
		{Syntax{Base: Decimal}, "int", vtCase{in: "7", want: "7"}, "int for decimal"},
		{Syntax{Base: String}, "bogus", vtCase{in: "x", code: badType, msg: `xsi:type "bogus" is not a TR-069 type`}, "unknown type"},
		{diag, "string", vtCase{in: "Requested", want: "Requested"}, "writable enumeration"},
		{diag, "", vtCase{in: "Complete", code: badValue, msg: `value "Complete" can only be set by the CPE`}, "read-only enumeration"},
		{diag, "", vtCase{in: "Bogus", code: badValue, msg: "is not one of"}, "not an enumeration"},
		{diagList, "", vtCase{in: "Requested, Canceled", want: "Requested,Canceled"}, "writable enumeration list"},
		{diagList, "", vtCase{in: "Requested,Error", code: badValue, msg: `value "Error" can only be set by the CPE`}, "read-only enumeration in a list"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.s.ValidateWrite(c.xsi, c.in.in)
			vtCheck(t, got, err, c.in)
		})
	}
}

func TestZero(t *testing.T) {
	def := func(s string) *string { return &s }
	for _, c := range []struct {
		name string
		s    Syntax
		want string
	}{
		{"string", Syntax{Base: String}, ""},
		{"int", Syntax{Base: Int}, "0"},
		{"unsignedInt", Syntax{Base: UnsignedInt}, "0"},
		{"long", Syntax{Base: Long}, "0"},
		{"unsignedLong", Syntax{Base: UnsignedLong}, "0"},
		{"boolean", Syntax{Base: Boolean}, "false"},
		{"dateTime", Syntax{Base: DateTime}, cwmp.UnknownTime},
		{"base64", Syntax{Base: Base64}, ""},
		{"hexBinary", Syntax{Base: HexBinary}, ""},
		{"decimal", Syntax{Base: Decimal}, "0"},
		{"list", Syntax{Base: UnsignedInt, List: &List{MaxItems: -1}}, ""},
		{"default", Syntax{Base: UnsignedInt, Default: def("300")}, "300"},
		{"default canonicalised", Syntax{Base: Boolean, Default: def("1")}, "true"},
		{"default list canonicalised", Syntax{Base: String, List: &List{MaxItems: -1}, Default: def("a, b")}, "a,b"},
		{"invalid default kept", Syntax{Base: String, Enumerations: []string{"Up"}, Default: def("")}, ""},
		{"empty default", Syntax{Base: Int, Default: def("")}, ""},
		{"zero in range", Syntax{Base: Int, Ranges: []Range{vtBetween(-5, 5)}}, "0"},
		{"range minimum", Syntax{Base: UnsignedInt, Ranges: []Range{vtRange(vtInt(1), nil, 0)}}, "1"},
		{"range maximum", Syntax{Base: Int, Ranges: []Range{vtRange(nil, vtInt(-5), 0)}}, "-5"},
		{"first range", Syntax{Base: Int, Ranges: []Range{vtBetween(10, 20), vtBetween(5, 8)}}, "10"},
		{"decimal range", Syntax{Base: Decimal, Ranges: []Range{vtBetween(2, 3)}}, "2"},
		{"first enumeration", Syntax{Base: String, Enumerations: []string{"None", "Requested"}}, "None"},
		{"enumeration with empty", Syntax{Base: String, Enumerations: []string{"None", ""}}, ""},
		{"nothing derivable", Syntax{Base: String, Sizes: []Range{vtBetween(36, 36)}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Zero(); got != c.want {
				t.Fatalf("Zero() = %q, want %q", got, c.want)
			}
		})
	}
}

// vtFuzzSyntaxes are the syntaxes FuzzValidate picks from.
var vtFuzzSyntaxes = []Syntax{
	{Base: String},
	{Base: Int},
	{Base: UnsignedInt, Ranges: []Range{vtRange(vtInt(0), vtInt(100), 5), vtBetween(1000, 2000)}},
	{Base: Long},
	{Base: UnsignedLong},
	{Base: Boolean},
	{Base: DateTime},
	{Base: Base64, Sizes: []Range{vtRange(nil, vtInt(8), 0)}},
	{Base: HexBinary, Sizes: []Range{vtBetween(0, 0), vtBetween(2, 4)}},
	{Base: Decimal, Ranges: []Range{vtBetween(-1, 1)}},
	{Base: Int, Ranges: []Range{vtRange(nil, vtInt(10), 3)}},
	vtIPv4Address,
	vtMACAddress,
	{Base: String, Sizes: []Range{vtBetween(1, 4)}, Enumerations: []string{"Up", "Down", "日本"}},
	{Base: String, PathRef: &PathRef{TargetType: "any"}},
	{Base: UnsignedInt, Ranges: []Range{vtBetween(1, 10)}, List: &List{MinItems: 1, MaxItems: 4}},
	{Base: String, Sizes: []Range{vtRange(nil, vtInt(3), 0)}, List: &List{MaxItems: -1, Sizes: []Range{vtRange(nil, vtInt(12), 0)}}},
	{Base: DateTime, List: &List{MaxItems: -1}},
	{Base: Decimal, List: &List{}},
	{Base: Boolean, List: &List{MaxItems: 3}},
}

// FuzzValidate checks that Validate (and the parsing helpers) never panic,
// that Validate fails only with 9006 or 9007, and that the canonical form
// of any accepted value is valid and its own canonical form.
func FuzzValidate(f *testing.F) {
	for i, v := range []string{
		"0", "+007", "-0", "4294967296", "18446744073709551616", "abc", "", " ",
		"true", "FALSE", "1", "2024-06-01T24:00:00+02:00", "0001-01-03T03:04:05.000",
		"QR==", "QUJD\nRA==", "0a1b", "1.0000000000000000001", "-.50",
		"192.168.1.254", "00:1a:2B:3c:4D:5e", "Device.IP.Interface.1.", "1, 2 ,3", "a,,b", "日本",
	} {
		f.Add(uint8(i), v)
		f.Add(uint8(i+7), v)
	}
	f.Fuzz(func(t *testing.T, k uint8, v string) {
		s := &vtFuzzSyntaxes[int(k)%len(vtFuzzSyntaxes)]
		_ = s.CheckType(v)
		_, _ = ParseBool(v)
		_, _ = ParseDateTime(v)
		_ = SplitList(v)
		canon, err := s.Validate(v)
		if err != nil {
			var fault *cwmp.Fault
			if !errors.As(err, &fault) || fault.Code != badType && fault.Code != badValue {
				t.Fatalf("%s: Validate(%q) = %v, want a 9006 or 9007 fault", s.typeName(), v, err)
			}
			return
		}
		again, err := s.Validate(canon)
		if err != nil || again != canon {
			t.Fatalf("%s: Validate(%q) = %q, but Validate(%q) = %q, %v", s.typeName(), v, canon, canon, again, err)
		}
	})
}

func BenchmarkValidateUnsignedInt(b *testing.B) {
	s := &Syntax{Base: UnsignedInt, Ranges: []Range{vtBetween(1, 86400)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Validate("3600"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidatePattern(b *testing.B) {
	s := &vtIPv4Address
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Validate("192.168.100.254"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestValidateNestedList(t *testing.T) {
	item := Syntax{Base: UnsignedInt, Ranges: []Range{vtBetween(0, 100)}}
	cases := []struct {
		nested string
		in     string
		want   string // "" means rejected with 9007
	}{
		{"required", "[1, 2],[3]", "[1,2],[3]"},
		{"required", " [ 01 ,2 ] , [] ", "[1,2],[]"},
		{"required", "", ""},
		{"required", "[1,2],3", ""},
		{"required", "[1,[2]]", ""},
		{"required", "[1,2", ""},
		{"required", "1]", ""},
		{"required", "[1,200]", ""},
		{"legal", "[1,2],3", "[1,2],3"},
		{"legal", "4", "4"},
		{"", "[1,2]", ""},
	}
	for _, c := range cases {
		s := item
		s.List = &List{MaxItems: -1, NestedBrackets: c.nested}
		got, err := s.Validate(c.in)
		if c.want == "" && c.in == "" && err == nil && got == "" {
			continue // the empty list is valid
		}
		if c.want == "" {
			if f, ok := cwmp.AsFault(err); !ok || f.Code != cwmp.FaultInvalidParameterValue {
				t.Errorf("nested=%q %q: got %q, %v; want 9007", c.nested, c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("nested=%q %q: got %q, %v; want %q", c.nested, c.in, got, err, c.want)
		}
	}
}

// TestNestedListInModel checks the loader keeps nestedBrackets, so a device
// can set the DSL SELT results TR-181 defines as lists of lists.
func TestNestedListInModel(t *testing.T) {
	m, err := Builtin("Device:2.17")
	if err != nil {
		t.Fatal(err)
	}
	p := m.Parameter("Device.DSL.Diagnostics.SELTUER.UERVar")
	if p == nil || p.Syntax.List == nil || p.Syntax.List.NestedBrackets != "required" {
		t.Fatalf("UERVar syntax: %+v", p)
	}
	if got, err := p.Syntax.Validate("[1,-2],[3]"); err != nil || got != "[1,-2],[3]" {
		t.Errorf("UERVar: %q, %v", got, err)
	}
}
