package cwmp

import (
	"encoding/base64"
	"strconv"
	"time"
	"unicode/utf8"
)

// encoder appends XML to a byte slice. It never fails: every Go value the
// message types can hold has an XML form.
type encoder struct {
	buf []byte
}

func (e *encoder) raw(s string) { e.buf = append(e.buf, s...) }

func (e *encoder) open(name string) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
}

func (e *encoder) close(name string) {
	e.buf = append(e.buf, '<', '/')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
}

// openArray writes <name soap-enc:arrayType="itemType[n]">.
func (e *encoder) openArray(name, itemType string, n int) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, ` soap-enc:arrayType="`...)
	e.buf = append(e.buf, itemType...)
	e.buf = append(e.buf, '[')
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
	e.buf = append(e.buf, ']', '"', '>')
}

// openTyped writes <name xsi:type="typ">.
func (e *encoder) openTyped(name, typ string) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, ` xsi:type="`...)
	e.escape(typ)
	e.buf = append(e.buf, '"', '>')
}

func (e *encoder) str(name, s string) {
	e.open(name)
	e.escape(s)
	e.close(name)
}

func (e *encoder) int(name string, v int64) {
	e.open(name)
	e.buf = strconv.AppendInt(e.buf, v, 10)
	e.close(name)
}

func (e *encoder) uint(name string, v uint64) {
	e.open(name)
	e.buf = strconv.AppendUint(e.buf, v, 10)
	e.close(name)
}

// bool writes 1 or 0, the form TR-069's own examples use and the one the
// oldest CPE parsers understand.
func (e *encoder) bool(name string, v bool) {
	if v {
		e.str(name, "1")
	} else {
		e.str(name, "0")
	}
}

func (e *encoder) time(name string, t time.Time) {
	e.open(name)
	e.buf = AppendTime(e.buf, t)
	e.close(name)
}

func (e *encoder) bytes(name string, b []byte) {
	e.open(name)
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.close(name)
}

// escape appends s as XML character data. TR-069 (section 3.5) asks for the
// five predefined entities; a carriage return is written as a reference
// because a parser would otherwise turn it into a line feed. Characters XML
// 1.0 cannot carry at all (most C0 controls, invalid UTF-8) become U+FFFD, as
// encoding/xml does: the alternative is a document no peer can parse.
func (e *encoder) escape(s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var rep string
		width := 1
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				rep = "&amp;"
			case c == '<':
				rep = "&lt;"
			case c == '>':
				rep = "&gt;"
			case c == '"':
				rep = "&quot;"
			case c == '\'':
				rep = "&apos;"
			case c == '\r':
				rep = "&#xD;"
			case c < 0x20 && c != '\t' && c != '\n':
				rep = "\uFFFD"
			default:
				i++
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			width = size
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				rep = "\uFFFD"
			} else {
				i += size
				continue
			}
		}
		e.buf = append(e.buf, s[last:i]...)
		e.buf = append(e.buf, rep...)
		i += width
		last = i
	}
	e.buf = append(e.buf, s[last:]...)
}

// UnknownTime is how TR-069 writes a dateTime that is not known: the zero
// time.Time encodes to it and decodes from it.
const UnknownTime = "0001-01-01T00:00:00Z"

// AppendTime appends t in the xsd:dateTime form TR-069 uses (RFC 3339, with
// fractional seconds only when there are any). The zero time is written as
// UnknownTime.
func AppendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, UnknownTime...)
	}
	return t.AppendFormat(dst, time.RFC3339Nano)
}

// ParseTime parses an xsd:dateTime leniently: with or without fractional
// seconds and time zone (a missing zone is read as UTC, since TR-069 says the
// CPE's local zone is then unknown), with a space instead of 'T', and
// UnknownTime or an all-zero date as the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" || s == UnknownTime || s[0] == '0' && isZeroDate(s) {
		return time.Time{}, nil
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() == 1 && t.YearDay() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
				return time.Time{}, nil
			}
			return t, nil
		}
	}
	return time.Time{}, &DecodeError{Msg: strconv.Quote(s) + " is not an xsd:dateTime"}
}

// isZeroDate reports whether s is a date of all zeros such as
// 0000-00-00T00:00:00, which some devices send for "unknown".
func isZeroDate(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '0', '-', ':', 'T', ' ', 'Z', '.', '+':
		default:
			return false
		}
	}
	return true
}
