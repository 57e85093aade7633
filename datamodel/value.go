package datamodel

// Parameter values: parsing, validation against a Syntax and the canonical
// form a value is stored and reported in (TR-106 Amendment 8 section 3.2,
// TR-069 Table 4, XML Schema Part 2 for the lexical forms).
//
// Decisions, in one place:
//
//   - White space. Every type but string follows XML Schema's whiteSpace
//     "collapse": surrounding space, tab, CR and LF are dropped before
//     parsing (the cwmp decoder keeps them in the value). Strings are kept
//     byte for byte. base64 also ignores white space inside the value (line
//     breaks every 76 characters are common).
//   - 9006 or 9007. A value that is not lexically of the base type at all
//     ("abc", "1.5" or "" for an int, "2024-02-30T00:00:00Z") is 9006
//     Invalid parameter type. A value of the right form that a facet or the
//     type's bounds exclude ("-1" or "4294967296" for an unsignedInt) is
//     9007 Invalid parameter value. A list is a string on the wire, so any
//     bad list item is 9007.
//   - Canonical forms. boolean: "true"/"false", XML Schema's canonical
//     representation (TR-069 makes 0/1 and false/true interchangeable, so
//     either would be correct). Integers: decimal, no "+", no leading zeros,
//     "0" for "-0". decimal: no "+", no leading zeros, no trailing fraction
//     zeros, no "." for whole numbers ("1.50" -> "1.5", "2.0" -> "2",
//     XML Schema 1.1's canonical form). dateTime: the offset the sender
//     gave is kept (a parameter may be defined in local time), written "Z"
//     when zero, with fractional seconds only when non-zero; untimezoned
//     values stay untimezoned (relative times since boot). hexBinary: upper
//     case (XML Schema's canonical form). base64: standard padded encoding
//     without white space. Lists: canonical items joined with "," and no
//     spaces. Strings: unchanged.
//   - Leniencies: booleans are case-insensitive ("TRUE"); integers may have
//     a "+" and leading zeros; xsi:types are compared case-insensitively and
//     may keep a prefix (see CheckType for which type may carry which).
//   - Facets of one kind are alternatives: a value must be in one of the
//     Ranges, have a length in one of the Sizes, equal one of the
//     Enumerations and match one of the Patterns; facets of different kinds
//     must all hold.
//   - A pattern that does not compile as RE2 (XML Schema features RE2 lacks,
//     such as \i or character class subtraction) matches every value: a
//     model we cannot read must not make us refuse a value it allows.
//   - Fault strings are safe to show: long values are cut to 64 characters
//     and values of Hidden or Secured parameters are never quoted.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// xmlSpace is the white space of XML (S production); other Unicode spaces
// are ordinary characters in a value.
const xmlSpace = " \t\r\n"

// maxShown bounds how much of a value and how many enumerations or
// patterns a fault string quotes.
const (
	maxShownRunes = 64
	maxShownItems = 5
)

// Validate checks value against the syntax and returns its canonical form
// (see the top of this file). Errors are *cwmp.Fault: 9006 when the value is
// not of the base type at all, 9007 when it is but a facet excludes it.
// References are checked for syntax only; whether they resolve is the tree's
// business, as are EnumerationRef (the allowed values are another
// parameter's), access (9008) and names (9005).
func (s *Syntax) Validate(value string) (string, error) {
	if s.List != nil {
		return s.validateList(value)
	}
	return s.validateItem(value)
}

// CheckType checks the xsi:type an ACS sent with a value against the
// parameter's base type, returning a 9006 fault when they disagree. The
// type may keep its namespace prefix ("xsd:int"). Accepted:
//
//   - no type at all ("");
//   - the parameter's own type, compared case-insensitively, with
//     "base64Binary" meaning base64;
//   - "string" for any parameter: many ACSs send every value as xsd:string,
//     and Validate still rejects the value with 9006 if it does not parse;
//   - any integer type for an integer parameter ("int" for an unsignedInt)
//     and for a decimal: Validate then applies the parameter's own bounds;
//   - for a list, "string" (its wire type) or the item type.
//
// Anything else, such as "int" for a string parameter or "boolean" for an
// unsignedInt, is 9006.
func (s *Syntax) CheckType(xsiType string) error {
	t := strings.Trim(xsiType, xmlSpace)
	if i := strings.LastIndexByte(t, ':'); i >= 0 {
		t = t[i+1:]
	}
	if t == "" {
		return nil
	}
	if strings.EqualFold(t, "base64Binary") {
		t = "base64"
	}
	bt, ok := parseBaseTypeFold(t)
	if !ok {
		return cwmp.NewFault(cwmp.FaultInvalidParameterType, "xsi:type %q is not a TR-069 type (the parameter is %s)", xsiType, s.typeName())
	}
	switch {
	case bt == String, bt == s.Base:
		return nil
	case isInteger(bt) && (isInteger(s.Base) || s.Base == Decimal):
		return nil
	}
	return cwmp.NewFault(cwmp.FaultInvalidParameterType, "xsi:type %s does not match the parameter's type %s", bt, s.typeName())
}

// ValidateWrite checks a value an ACS writes with SetParameterValues, with
// the xsi:type it came with, and returns its canonical form: CheckType,
// then Validate, then 9007 for an enumeration value only the CPE may set
// (ReadOnlyEnumerations, such as DiagnosticsState "Complete"), in a list
// item as well. The device's own writes use Validate, which allows those.
func (s *Syntax) ValidateWrite(xsiType, value string) (string, error) {
	if err := s.CheckType(xsiType); err != nil {
		return "", err
	}
	v, err := s.Validate(value)
	if err != nil || len(s.ReadOnlyEnumerations) == 0 {
		return v, err
	}
	items := []string{v}
	if s.List != nil {
		items = SplitList(v)
	}
	for _, it := range items {
		if contains(s.ReadOnlyEnumerations, it) {
			return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s can only be set by the CPE", s.show(it))
		}
	}
	return v, nil
}

// Zero returns the value a parameter has when nothing has set it: its
// default (canonicalised when valid, else as the model writes it), else the
// zero of its type ("" for strings, binaries and lists, "0", "false",
// cwmp.UnknownTime). When the facets exclude that zero, Zero returns the
// first value they allow that it can name (a range's minimum, or its
// maximum when it has none; the first enumeration), so a new instance
// reads back as something SetParameterValues would accept.
func (s *Syntax) Zero() string {
	if s.Default != nil {
		if v, err := s.Validate(*s.Default); err == nil {
			return v
		}
		return *s.Default
	}
	if s.List != nil {
		return ""
	}
	var z string
	switch {
	case s.Base == Boolean:
		z = "false"
	case s.Base == DateTime:
		z = cwmp.UnknownTime
	case isInteger(s.Base), s.Base == Decimal:
		z = "0"
	}
	if _, err := s.validateItem(z); err == nil {
		return z
	}
	var candidates []string
	for _, r := range s.Ranges {
		switch {
		case r.Min != nil:
			candidates = append(candidates, strconv.FormatInt(*r.Min, 10))
		case r.Max != nil:
			candidates = append(candidates, strconv.FormatInt(*r.Max, 10))
		}
	}
	candidates = append(candidates, s.Enumerations...)
	for _, c := range candidates {
		if v, err := s.validateItem(c); err == nil {
			return v
		}
	}
	return z
}

// ParseBool parses a TR-069 boolean: "true", "false", "1" or "0", in any
// case and with surrounding white space. The error is a 9006 *cwmp.Fault.
func ParseBool(s string) (bool, error) {
	switch v := strings.Trim(s, xmlSpace); {
	case v == "1" || strings.EqualFold(v, "true"):
		return true, nil
	case v == "0" || strings.EqualFold(v, "false"):
		return false, nil
	}
	return false, cwmp.NewFault(cwmp.FaultInvalidParameterType, "%s is not a boolean", showValue(s, false))
}

// ParseDateTime parses a TR-106 dateTime, the XML Schema form
// YYYY-MM-DDThh:mm:ss[.s+][Z|(+|-)hh:mm] with a four-digit year from 0001
// (surrounding white space ignored; "24:00:00" is the next day's midnight).
// It is stricter than cwmp.ParseTime, which reads what devices report.
//
// A value with an offset comes back in a fixed zone of that offset; one
// without (TR-106 allows that only for relative times) in UTC. Special
// values stay times, so callers can tell them apart:
//
//   - the Unknown Time, cwmp.UnknownTime (0001-01-01T00:00:00Z), is the
//     zero time.Time (IsZero reports true);
//   - a relative time since boot is an untimezoned value with a year below
//     1000 (TR-106 3.2.1): boot is 0001-01-01T00:00:00, so the uptime is
//     t.Sub(time.Time{}) ("0001-01-03T03:04:05" is 2 days 3h4m5s).
//
// The error is a 9006 *cwmp.Fault naming what is wrong.
func ParseDateTime(s string) (time.Time, error) {
	d, err := parseDateTime(s, false)
	return d.t, err
}

// SplitList splits a comma-separated list value into its items, each
// trimmed of surrounding white space. A value that is empty or only white
// space is the empty list (nil); "a,,b" has an empty second item.
func SplitList(s string) []string {
	if strings.Trim(s, xmlSpace) == "" {
		return nil
	}
	items := strings.Split(s, ",")
	for i, it := range items {
		items[i] = strings.Trim(it, xmlSpace)
	}
	return items
}

func (s *Syntax) validateList(value string) (string, error) {
	var items []string
	if s.List.NestedBrackets == "" {
		items = SplitList(value)
	} else {
		var err error
		if items, err = splitNested(value); err != nil {
			return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%v", err)
		}
	}
	if n := len(items); n < s.List.MinItems || s.List.MaxItems > 0 && n > s.List.MaxItems {
		return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "list has %d items (allowed %s)", n, formatCount(s.List.MinItems, s.List.MaxItems))
	}
	item := *s
	item.List, item.Default = nil, nil
	itemFault := func(i int, err error) error {
		msg := err.Error()
		if f, ok := cwmp.AsFault(err); ok {
			msg = f.String
		}
		return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "list item %d: %s", i+1, msg)
	}
	for i, it := range items {
		if inner, nested := strings.CutPrefix(it, "["); nested && s.List.NestedBrackets != "" {
			// A bracketed item is itself a list of values of the item type.
			sub := SplitList(strings.TrimSuffix(inner, "]"))
			for j, x := range sub {
				v, err := item.validateItem(x)
				if err != nil {
					return "", itemFault(i, err)
				}
				sub[j] = v
			}
			items[i] = "[" + strings.Join(sub, ",") + "]"
			continue
		}
		if s.List.NestedBrackets == "required" {
			return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "list item %d: %s is not in brackets (each item is a bracketed list)", i+1, item.show(it))
		}
		v, err := item.validateItem(it)
		if err != nil {
			return "", itemFault(i, err)
		}
		items[i] = v
	}
	canon := strings.Join(items, ",")
	if len(s.List.Sizes) > 0 {
		// Sizes bound what is stored, so they apply to the canonical form.
		if n := utf8.RuneCountInString(canon); !inRanges(s.List.Sizes, integerOf(int64(n))) {
			return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "list is %d characters long (allowed length %s)", n, formatRanges(s.List.Sizes))
		}
	}
	return canon, nil
}

// validateItem validates a single value (a non-list parameter's value or
// one item of a list) against everything but the List facet.
func (s *Syntax) validateItem(value string) (string, error) {
	switch s.Base {
	case String:
		if err := s.checkString(value); err != nil {
			return "", err
		}
		return value, nil
	case Boolean:
		b, err := ParseBool(value)
		if err != nil {
			return "", s.typeFault(value, "a boolean")
		}
		return strconv.FormatBool(b), nil
	case Int, UnsignedInt, Long, UnsignedLong:
		return s.validateInteger(value)
	case Decimal:
		return s.validateDecimal(value)
	case DateTime:
		d, err := parseDateTime(value, s.Hidden || s.Secured)
		if err != nil {
			return "", err
		}
		return d.canonical(value), nil
	case Base64:
		return s.validateBase64(value)
	case HexBinary:
		return s.validateHexBinary(value)
	}
	return "", cwmp.NewFault(cwmp.FaultInternalError, "syntax has unknown base type %d", s.Base)
}

// checkString applies the string facets: size in characters (runes, TR-106
// counts characters, not bytes), enumeration, pattern and pathRef syntax.
func (s *Syntax) checkString(v string) error {
	if len(s.Sizes) > 0 {
		if n := utf8.RuneCountInString(v); !inRanges(s.Sizes, integerOf(int64(n))) {
			return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s is %d characters long (allowed length %s)", s.show(v), n, formatRanges(s.Sizes))
		}
	}
	if len(s.Enumerations) > 0 && !contains(s.Enumerations, v) {
		return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s is not one of %s", s.show(v), formatList(s.Enumerations, false))
	}
	if len(s.Patterns) > 0 && !matchesAny(s.Patterns, v) {
		what := "pattern"
		if len(s.Patterns) > 1 {
			what = "any of the patterns"
		}
		msg := fmt.Sprintf("%s does not match %s %s", s.show(v), what, formatList(s.Patterns, true))
		if s.DataType != "" {
			msg += " (data type " + s.DataType + ")"
		}
		return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s", msg)
	}
	if s.PathRef != nil && v != "" && !isPath(v) {
		return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s is not a parameter or object path", s.show(v))
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}

// Bounds of the integer base types.
var integerBounds = [...]struct{ min, max integer }{
	Int:          {integerOf(math.MinInt32), integerOf(math.MaxInt32)},
	UnsignedInt:  {integer{}, integerOf(math.MaxUint32)},
	Long:         {integerOf(math.MinInt64), integerOf(math.MaxInt64)},
	UnsignedLong: {integer{}, integer{mag: math.MaxUint64}},
}

func (s *Syntax) validateInteger(value string) (string, error) {
	v := strings.Trim(value, xmlSpace)
	n, ok, overflow := parseInteger(v)
	if !ok {
		return "", s.typeFault(value, article(s.Base.String()))
	}
	b := integerBounds[s.Base]
	if overflow || n.cmp(b.min) < 0 || n.cmp(b.max) > 0 {
		return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s out of range %s..%s (%s)", s.show(value), b.min, b.max, s.Base)
	}
	if !inRanges(s.Ranges, n) {
		return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s out of range %s", s.show(value), formatRanges(s.Ranges))
	}
	if isCanonicalInteger(v) && len(v) == len(value) {
		return value, nil
	}
	return n.String(), nil
}

// isCanonicalInteger reports whether v, which parses as an integer, is
// already written canonically (saves formatting the common case).
func isCanonicalInteger(v string) bool {
	digits := strings.TrimPrefix(v, "-")
	return v[0] != '+' && (digits[0] != '0' || v == "0")
}

func (s *Syntax) validateDecimal(value string) (string, error) {
	d, ok := parseDecimal(strings.Trim(value, xmlSpace))
	if !ok {
		return "", s.typeFault(value, "a decimal")
	}
	if !inRanges(s.Ranges, d) {
		return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s out of range %s", s.show(value), formatRanges(s.Ranges))
	}
	return d.String(), nil
}

func (s *Syntax) validateBase64(value string) (string, error) {
	v := value
	if strings.ContainsAny(v, xmlSpace) {
		v = strings.Map(func(r rune) rune {
			if strings.ContainsRune(xmlSpace, r) {
				return -1
			}
			return r
		}, v)
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return "", s.typeFault(value, "base64")
	}
	if len(s.Sizes) > 0 && !inRanges(s.Sizes, integerOf(int64(len(b)))) {
		return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s decodes to %d bytes (allowed size %s)", s.show(value), len(b), formatRanges(s.Sizes))
	}
	// Re-encoding also clears non-zero padding bits ("QR==" -> "QQ==").
	return base64.StdEncoding.EncodeToString(b), nil
}

func (s *Syntax) validateHexBinary(value string) (string, error) {
	v := strings.Trim(value, xmlSpace)
	if len(v)%2 != 0 {
		return "", s.typeFault(value, "hexBinary (an even number of hex digits)")
	}
	for i := 0; i < len(v); i++ {
		if !isHexDigit(v[i]) {
			return "", s.typeFault(value, "hexBinary (an even number of hex digits)")
		}
	}
	if n := len(v) / 2; len(s.Sizes) > 0 && !inRanges(s.Sizes, integerOf(int64(n))) {
		return "", cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%s is %d bytes long (allowed size %s)", s.show(value), n, formatRanges(s.Sizes))
	}
	return strings.ToUpper(v), nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// typeFault is the 9006 fault for a value that is not what (an article and
// a type: "an unsignedInt").
func (s *Syntax) typeFault(value, what string) error {
	return cwmp.NewFault(cwmp.FaultInvalidParameterType, "%s is not %s", s.show(value), what)
}

// show quotes a value for a fault string: cut to maxShownRunes, and not at
// all for a parameter whose value is a secret.
func (s *Syntax) show(v string) string { return showValue(v, s.Hidden || s.Secured) }

func showValue(v string, secret bool) string {
	if secret {
		return "value"
	}
	if utf8.RuneCountInString(v) <= maxShownRunes {
		return "value " + strconv.Quote(v)
	}
	cut := 0
	for i := 0; i < maxShownRunes; i++ {
		_, size := utf8.DecodeRuneInString(v[cut:])
		cut += size
	}
	return "value " + strconv.Quote(v[:cut]) + "..."
}

// typeName names the parameter's type for a fault: "unsignedInt", or
// "list of unsignedInt".
func (s *Syntax) typeName() string {
	if s.List != nil {
		return "list of " + s.Base.String()
	}
	return s.Base.String()
}

func article(typ string) string {
	if strings.IndexByte("aeiouAEIOU", typ[0]) >= 0 {
		return "an " + typ
	}
	return "a " + typ
}

func parseBaseTypeFold(s string) (BaseType, bool) {
	for i, n := range baseTypeNames {
		if strings.EqualFold(n, s) {
			return BaseType(i), true
		}
	}
	return 0, false
}

func isInteger(b BaseType) bool {
	return b == Int || b == UnsignedInt || b == Long || b == UnsignedLong
}

// Numbers and ranges.

// number is what a Range bounds: an integer value or length, or a decimal.
type number interface {
	// cmpInt compares the number with an int64 bound: -1, 0 or +1.
	cmpInt(bound int64) int
	// onStep reports whether the number is base plus a whole multiple of
	// step (step > 0).
	onStep(base int64, step uint64) bool
}

// inRanges reports whether n is inside one of ranges; no ranges allow all.
// A Step counts from Min, or from 0 when the range has no Min.
func inRanges[N number](ranges []Range, n N) bool {
	if len(ranges) == 0 {
		return true
	}
	for _, r := range ranges {
		if r.Min != nil && n.cmpInt(*r.Min) < 0 || r.Max != nil && n.cmpInt(*r.Max) > 0 {
			continue
		}
		if r.Step > 0 {
			var base int64
			if r.Min != nil {
				base = *r.Min
			}
			if !n.onStep(base, uint64(r.Step)) {
				continue
			}
		}
		return true
	}
	return false
}

// integer is a value of any integer base type, the 64-bit unsigned ones
// included: a sign and a magnitude, with neg only when mag > 0.
type integer struct {
	neg bool
	mag uint64
}

func integerOf(x int64) integer {
	if x < 0 {
		return integer{neg: true, mag: uint64(-(x + 1)) + 1}
	}
	return integer{mag: uint64(x)}
}

// parseInteger parses XML Schema's integer lexical form: an optional sign
// and one or more ASCII digits. ok reports the form; overflow that the
// magnitude does not fit 64 bits (a number, but out of every range).
func parseInteger(s string) (n integer, ok, overflow bool) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		n.neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return integer{}, false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return integer{}, false, false
		}
		hi, lo := bits.Mul64(n.mag, 10)
		lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
		overflow = overflow || hi != 0 || carry != 0
		n.mag = lo
	}
	if n.mag == 0 && !overflow {
		n.neg = false
	}
	return n, true, overflow
}

func (a integer) cmp(b integer) int {
	switch {
	case a.neg != b.neg:
		if a.neg {
			return -1
		}
		return 1
	case a.mag == b.mag:
		return 0
	case (a.mag < b.mag) != a.neg:
		return -1
	}
	return 1
}

func (a integer) cmpInt(bound int64) int { return a.cmp(integerOf(bound)) }

func (a integer) onStep(base int64, step uint64) bool {
	return a.mod(step) == integerOf(base).mod(step)
}

// mod returns a modulo m in 0..m-1 (floored, so -1 mod 5 is 4).
func (a integer) mod(m uint64) uint64 {
	r := a.mag % m
	if a.neg && r != 0 {
		r = m - r
	}
	return r
}

func (a integer) String() string {
	s := strconv.FormatUint(a.mag, 10)
	if a.neg {
		return "-" + s
	}
	return s
}

// decimal is an exact xsd:decimal in canonical parts: whole has no leading
// zeros ("0" for none), frac no trailing zeros, neg only when non-zero.
// Comparing digit strings keeps "1.0000000000000000001" above 1, which a
// float64 would not.
type decimal struct {
	neg         bool
	whole, frac string
}

// parseDecimal parses XML Schema's decimal lexical form: an optional sign,
// digits with at most one ".", at least one digit, no exponent.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if s != "" && (s[0] == '+' || s[0] == '-') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return decimal{}, false
	}
	d.whole = strings.TrimLeft(whole, "0")
	if d.whole == "" {
		d.whole = "0"
	}
	d.frac = strings.TrimRight(frac, "0")
	if d.whole == "0" && d.frac == "" {
		d.neg = false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (d decimal) String() string {
	s := d.whole
	if d.frac != "" {
		s += "." + d.frac
	}
	if d.neg {
		s = "-" + s
	}
	return s
}

func (d decimal) cmpInt(bound int64) int {
	b := integerOf(bound)
	if d.neg != b.neg {
		if d.neg {
			return -1
		}
		return 1
	}
	// Same sign: compare magnitudes, then flip for negatives.
	c := 1 // a whole part too long for 64 bits is larger than any bound
	if len(d.whole) <= 20 {
		if w, err := strconv.ParseUint(d.whole, 10, 64); err == nil {
			switch {
			case w < b.mag:
				c = -1
			case w == b.mag && d.frac == "":
				c = 0
			}
		}
	}
	if d.neg {
		return -c
	}
	return c
}

func (d decimal) onStep(base int64, step uint64) bool {
	if d.frac != "" {
		return false
	}
	var r uint64 // d.whole mod step, digit by digit, in 128 bits
	for i := 0; i < len(d.whole); i++ {
		hi, lo := bits.Mul64(r, 10)
		lo, carry := bits.Add64(lo, uint64(d.whole[i]-'0'), 0)
		r = bits.Rem64(hi+carry, lo, step)
	}
	if d.neg && r != 0 {
		r = step - r
	}
	return r == integerOf(base).mod(step)
}

// formatRanges writes ranges for a fault: "1..86400", "1..", "..64",
// "0..100 step 5", alternatives separated by ", ".
func formatRanges(rs []Range) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case r.Min != nil && r.Max != nil && *r.Min == *r.Max:
			b.WriteString(strconv.FormatInt(*r.Min, 10))
		default:
			if r.Min != nil {
				b.WriteString(strconv.FormatInt(*r.Min, 10))
			}
			b.WriteString("..")
			if r.Max != nil {
				b.WriteString(strconv.FormatInt(*r.Max, 10))
			}
		}
		if r.Step > 0 {
			b.WriteString(" step ")
			b.WriteString(strconv.FormatInt(r.Step, 10))
		}
	}
	return b.String()
}

// formatCount writes an item count range; hi <= 0 is unbounded.
func formatCount(lo, hi int) string {
	switch {
	case hi <= 0:
		return strconv.Itoa(lo) + ".."
	case lo == hi:
		return strconv.Itoa(lo)
	}
	return strconv.Itoa(lo) + ".." + strconv.Itoa(hi)
}

// formatList writes at most maxShownItems of list, quoted or not, and how
// many more there are.
func formatList(list []string, quote bool) string {
	var b strings.Builder
	for i, e := range list {
		if i == maxShownItems {
			fmt.Fprintf(&b, " (+%d more)", len(list)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if quote {
			e = strconv.Quote(e)
		}
		b.WriteString(e)
	}
	return b.String()
}

// Patterns.

// patterns caches compiled pattern facets by their XML Schema text:
// *regexp.Regexp, nil for a pattern RE2 cannot express. Patterns come from
// the loaded models only, so the cache is bounded by them.
var patterns sync.Map

// matchesAny reports whether v matches one of the patterns, each anchored
// at both ends. A pattern that does not compile matches everything.
func matchesAny(ps []string, v string) bool {
	for _, p := range ps {
		if p == "" { // the common "or empty" alternative, without a regexp
			if v == "" {
				return true
			}
			continue
		}
		re := compilePattern(p)
		if re == nil || re.MatchString(v) {
			return true
		}
	}
	return false
}

// compilePattern returns pattern facet p compiled (anchored, translated
// from XML Schema), or nil when RE2 cannot express it; such a pattern then
// matches every value. Results are cached, so the loader may call it for
// each pattern it reads, both to warm the cache and to list the
// unsupported ones.
func compilePattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	var re *regexp.Regexp
	if expr, ok := translatePattern(p); ok {
		re, _ = regexp.Compile(expr)
	}
	patterns.Store(p, re)
	return re
}

// translatePattern turns an XML Schema regular expression into an RE2 one
// anchored at both ends. The dialects mostly agree; the differences taken
// care of are that XML Schema has no anchors ("^" and "$" are literals) and
// that its "." excludes CR as well as LF. \d, \w and \s stay ASCII, which is
// stricter than XML Schema's Unicode classes and what device values use.
// ok is false for character class subtraction ("[a-z-[aeiou]]"), which RE2
// would silently misread.
func translatePattern(p string) (expr string, ok bool) {
	var b strings.Builder
	b.WriteString(`\A(?:`)
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			b.WriteByte(c)
			if i+1 < len(p) {
				i++
				b.WriteByte(p[i])
			}
		case inClass:
			if c == '-' && i+1 < len(p) && p[i+1] == '[' {
				return "", false
			}
			inClass = c != ']'
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' { // negation, not a literal
				i++
				b.WriteByte('^')
			}
		case c == '^', c == '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '.':
			b.WriteString(`[^\n\r]`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(`)\z`)
	return b.String(), true
}

// isPath reports whether v is syntactically a path: dot-separated names
// and instance numbers (or CWMP 1.4 instance aliases "[cpe-1]"), starting
// with a name, with or without the trailing "." of an object.
func isPath(v string) bool {
	v = strings.TrimSuffix(v, ".")
	for i, seg := range strings.Split(v, ".") {
		switch {
		case isName(seg):
		case i > 0 && seg != "" && allDigits(seg):
		case i > 0 && len(seg) > 2 && seg[0] == '[' && seg[len(seg)-1] == ']' && !strings.ContainsAny(seg[1:len(seg)-1], "[]"):
		default:
			return false
		}
	}
	return true
}

// isName reports whether s is a data-model name: a letter or "_", then
// letters, digits, "_" or "-" (vendor prefixes such as X_ACME-COM_).
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '-')) {
			return false
		}
	}
	return true
}

// dateTime.

// dateTime is a parsed dateTime with what its canonical form needs beyond
// the instant: the fraction as written and whether there was a zone.
type dateTime struct {
	t     time.Time
	frac  string // fractional-second digits, trailing zeros removed
	zoned bool
}

// parseDateTime parses the XML Schema dateTime form (see ParseDateTime).
// secret keeps the value out of the fault string.
func parseDateTime(s string, secret bool) (dateTime, error) {
	v := strings.Trim(s, xmlSpace)
	fail := func(why string) (dateTime, error) {
		return dateTime{}, cwmp.NewFault(cwmp.FaultInvalidParameterType, "%s is not a dateTime: %s", showValue(s, secret), why)
	}
	// YYYY-MM-DDThh:mm:ss is 19 bytes at fixed positions.
	if len(v) < 19 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' {
		return fail("want YYYY-MM-DDThh:mm:ss with an optional fraction and zone")
	}
	year, ok1 := atoi(v[0:4])
	month, ok2 := atoi(v[5:7])
	day, ok3 := atoi(v[8:10])
	hour, ok4 := atoi(v[11:13])
	minute, ok5 := atoi(v[14:16])
	sec, ok6 := atoi(v[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return fail("want YYYY-MM-DDThh:mm:ss with an optional fraction and zone")
	}
	var d dateTime
	rest := v[19:]
	nsec := 0
	if rest != "" && rest[0] == '.' {
		n := 1
		for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return fail("no digits after the decimal point")
		}
		digits := rest[1:n]
		d.frac = strings.TrimRight(digits, "0")
		for i := 0; i < 9; i++ {
			nsec *= 10
			if i < len(digits) {
				nsec += int(digits[i] - '0')
			}
		}
		rest = rest[n:]
	}
	loc := time.UTC
	switch {
	case rest == "":
	case rest == "Z":
		d.zoned = true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := atoi(rest[1:3])
		om, ok2 := atoi(rest[4:6])
		if !ok1 || !ok2 || om > 59 || oh > 14 || oh == 14 && om > 0 {
			return fail("time zone offset must be -14:00..+14:00")
		}
		d.zoned = true
		if off := (oh*60 + om) * 60; off != 0 {
			if rest[0] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	default:
		return fail("time zone must be Z or +hh:mm or -hh:mm")
	}
	switch {
	case year == 0:
		return fail("year 0000 does not exist")
	case month < 1 || month > 12:
		return fail("month must be 01..12")
	case day < 1 || day > daysIn(month, year):
		return fail(fmt.Sprintf("day must be 01..%02d in %04d-%02d", daysIn(month, year), year, month))
	case hour == 24 && (minute != 0 || sec != 0 || nsec != 0 || d.frac != ""):
		return fail("24 is only allowed as 24:00:00")
	case hour > 24 || minute > 59 || sec > 59:
		return fail("time must be 00:00:00..23:59:59")
	}
	d.t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if d.t.Year() > 9999 {
		return fail("year must be 0001..9999")
	}
	return d, nil
}

// canonical writes d in canonical form, returning orig itself when it is
// already so written.
func (d dateTime) canonical(orig string) string {
	var buf [48]byte
	b := d.t.AppendFormat(buf[:0], "2006-01-02T15:04:05")
	if d.frac != "" {
		b = append(b, '.')
		b = append(b, d.frac...)
	}
	if d.zoned {
		if _, off := d.t.Zone(); off == 0 {
			b = append(b, 'Z')
		} else {
			b = d.t.AppendFormat(b, "-07:00")
		}
	}
	if string(b) == orig {
		return orig
	}
	return string(b)
}

// atoi parses a fixed-width run of ASCII digits.
func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// splitNested splits a list whose items may be bracketed lists ("[1,2],3")
// at its top-level commas, trimming each item; "" is the empty list.
func splitNested(s string) ([]string, error) {
	if strings.Trim(s, xmlSpace) == "" {
		return nil, nil
	}
	var items []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			if depth++; depth > 1 {
				return nil, fmt.Errorf("brackets nested more than one level at character %d", i+1)
			}
		case ']':
			if depth--; depth < 0 {
				return nil, fmt.Errorf("unbalanced ']' at character %d", i+1)
			}
		case ',':
			if depth == 0 {
				items = append(items, strings.Trim(s[start:i], xmlSpace))
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, errors.New("unbalanced '['")
	}
	items = append(items, strings.Trim(s[start:], xmlSpace))
	for i, it := range items {
		if strings.HasPrefix(it, "[") != strings.HasSuffix(it, "]") {
			return nil, fmt.Errorf("list item %d %q mixes brackets and plain values", i+1, it)
		}
	}
	return items, nil
}
