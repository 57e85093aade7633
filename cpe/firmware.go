package cpe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"unicode"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Firmware images for simulated devices.
//
// A simulated device cannot flash anything, but an ACS's firmware campaign
// must still be testable end to end: a Download of FileType "1 Firmware
// Upgrade Image" that succeeds changes DeviceInfo.SoftwareVersion after the
// reboot that installs it, and a bad image fails the way a real device
// fails. So the agent accepts images in this format (see FIRMWARE.md):
//
//	CWMPKIT-FW1
//	Version: 2.1.0
//	ProductClass: HG100
//	Payload-Size: 5
//	Payload-SHA256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
//
//	hello
//
// The first line is the magic "CWMPKIT-FW1"; then "Key: Value" header lines
// up to a blank line; then the payload, any bytes. Lines end in LF (a CR
// before it is ignored). Keys are case-insensitive and may appear once:
//
//   - Version (required): the SoftwareVersion the device reports once the
//     image is installed; 1 to 64 printable characters.
//   - Payload-SHA256 (required): the SHA-256 of the payload, 64 hex digits.
//   - Payload-Size (optional): the payload's length in bytes.
//   - ProductClass (optional): the DeviceInfo.ProductClass the image is
//     for; a device of another (non-empty) product class rejects it.
//
// Unknown keys are ignored, so newer images stay installable. The header,
// magic included, is at most 4 KiB.
//
// Checking maps to the TransferComplete fault codes of TR-069 Amendment 6
// (A.3.3.2, fault table A.5.1): a file that is not such an image, has a
// malformed header, a wrong Payload-Size, or another product class is
// 9018 (file corrupted or otherwise unusable); a payload whose SHA-256
// differs is 9019 (file authentication failure), the nearest a simulated
// image gets to a bad signature.

const (
	firmwareMagic     = "CWMPKIT-FW1\n"
	firmwareMaxHeader = 4 << 10
	// firmwareMaxVersion is the length of DeviceInfo.SoftwareVersion
	// (string(64) in TR-181 and TR-098).
	firmwareMaxVersion = 64
)

// FirmwareImage is a firmware image for a simulated device. Bytes encodes
// it in the format the agent installs.
type FirmwareImage struct {
	// Version becomes DeviceInfo.SoftwareVersion when the image is
	// installed.
	Version string
	// ProductClass, if set, restricts the image to devices whose
	// DeviceInfo.ProductClass is empty or equal to it.
	ProductClass string
	// Payload is the image's content; only its size and SHA-256 matter.
	Payload []byte
}

// Bytes returns the encoded image: the magic line, the header with the
// payload's size and SHA-256, a blank line and the payload.
func (img FirmwareImage) Bytes() []byte {
	sum := sha256.Sum256(img.Payload)
	var b bytes.Buffer
	b.WriteString(firmwareMagic)
	fmt.Fprintf(&b, "Version: %s\n", img.Version)
	if img.ProductClass != "" {
		fmt.Fprintf(&b, "ProductClass: %s\n", img.ProductClass)
	}
	fmt.Fprintf(&b, "Payload-Size: %d\n", len(img.Payload))
	fmt.Fprintf(&b, "Payload-SHA256: %s\n\n", hex.EncodeToString(sum[:]))
	b.Write(img.Payload)
	return b.Bytes()
}

// BuildFirmware returns a firmware image that a simulated device of any
// product class installs as software version version. Serve it from a file
// server and send a Download of FileType "1 Firmware Upgrade Image" to
// test a firmware campaign end to end.
func BuildFirmware(version string, payload []byte) []byte {
	return FirmwareImage{Version: version, Payload: payload}.Bytes()
}

// firmwareHeader is what a verified image says about itself.
type firmwareHeader struct {
	version      string
	productClass string
	size         int64 // -1: no Payload-Size
	sum          [sha256.Size]byte
}

// firmwareVerifier checks an image as it streams past, holding only its
// header, so that an image costs no memory however large it is. Write
// never fails on the payload; finish reports what is wrong.
type firmwareVerifier struct {
	head []byte // the header until the blank line is seen
	hdr  *firmwareHeader
	hash hash.Hash // of the payload
	n    int64     // payload bytes seen
}

func newFirmwareVerifier() *firmwareVerifier {
	return &firmwareVerifier{hash: sha256.New()}
}

// Write consumes the next bytes of the image. It fails with fault 9018 as
// soon as the header is known to be bad.
func (v *firmwareVerifier) Write(p []byte) (int, error) {
	if v.hdr != nil {
		v.hash.Write(p)
		v.n += int64(len(p))
		return len(p), nil
	}
	n := len(p)
	old := len(v.head)
	v.head = append(v.head, p...)
	if !magicPrefix(v.head) {
		return 0, firmwareCorrupt("not a cwmpkit firmware image (no %q line)", strings.TrimSpace(firmwareMagic))
	}
	// The blank line may straddle writes: search from just before the
	// new bytes.
	from := max(old-2, 0)
	end := blankLine(v.head[from:])
	if end < 0 {
		if len(v.head) > firmwareMaxHeader {
			return 0, firmwareCorrupt("header longer than %d bytes", firmwareMaxHeader)
		}
		return n, nil
	}
	end += from
	if end > firmwareMaxHeader {
		return 0, firmwareCorrupt("header longer than %d bytes", firmwareMaxHeader)
	}
	hdr, err := parseFirmwareHeader(v.head[bytes.IndexByte(v.head, '\n')+1 : end])
	if err != nil {
		return 0, err
	}
	v.hdr = hdr
	rest := v.head[end:]
	v.hash.Write(rest)
	v.n = int64(len(rest))
	v.head = nil
	return n, nil
}

// magicPrefix reports whether b could be the start of an image: a prefix
// of the magic line, which may end in CRLF.
func magicPrefix(b []byte) bool {
	for _, m := range []string{firmwareMagic, strings.TrimSuffix(firmwareMagic, "\n") + "\r\n"} {
		if n := min(len(b), len(m)); bytes.Equal(b[:n], []byte(m[:n])) {
			return true
		}
	}
	return false
}

// blankLine returns the index just after the first empty line ("\n\n" or
// "\n\r\n") in b, or -1.
func blankLine(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		j := i + 1
		if j < len(b) && b[j] == '\r' {
			j++
		}
		if j < len(b) && b[j] == '\n' {
			return j + 1
		}
	}
	return -1
}

// finish checks the image once all of it was written and returns its
// header.
func (v *firmwareVerifier) finish() (*firmwareHeader, error) {
	if v.hdr == nil {
		if bytes.IndexByte(v.head, '\n') < 0 {
			return nil, firmwareCorrupt("not a cwmpkit firmware image (%d bytes)", len(v.head))
		}
		return nil, firmwareCorrupt("header not ended by a blank line")
	}
	if v.hdr.size >= 0 && v.hdr.size != v.n {
		return nil, firmwareCorrupt("payload is %d bytes, header says %d", v.n, v.hdr.size)
	}
	if sum := v.hash.Sum(nil); !bytes.Equal(sum, v.hdr.sum[:]) {
		return nil, cwmp.NewFault(cwmp.FaultFileAuthentication, "firmware image: payload SHA-256 is %x, header says %x", sum, v.hdr.sum)
	}
	return v.hdr, nil
}

// parseFirmwareHeader reads the "Key: Value" lines between the magic and
// the blank line (which head includes).
func parseFirmwareHeader(head []byte) (*firmwareHeader, error) {
	h := &firmwareHeader{size: -1}
	seen := map[string]bool{}
	haveSum := false
	for i, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue // the blank line that ends the header
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, firmwareCorrupt("header line %d: no colon: %q", i+2, line)
		}
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		if seen[key] {
			return nil, firmwareCorrupt("header line %d: %s given twice", i+2, key)
		}
		seen[key] = true
		switch key {
		case "version":
			if val == "" || len(val) > firmwareMaxVersion || strings.IndexFunc(val, unicode.IsControl) >= 0 {
				return nil, firmwareCorrupt("Version %q is not 1 to %d printable characters", val, firmwareMaxVersion)
			}
			h.version = val
		case "productclass":
			h.productClass = val
		case "payload-size":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return nil, firmwareCorrupt("Payload-Size %q is not a byte count", val)
			}
			h.size = n
		case "payload-sha256":
			b, err := hex.DecodeString(val)
			if err != nil || len(b) != sha256.Size {
				return nil, firmwareCorrupt("Payload-SHA256 %q is not 64 hex digits", val)
			}
			copy(h.sum[:], b)
			haveSum = true
		}
	}
	if h.version == "" {
		return nil, firmwareCorrupt("no Version in header")
	}
	if !haveSum {
		return nil, firmwareCorrupt("no Payload-SHA256 in header")
	}
	return h, nil
}

func firmwareCorrupt(format string, args ...any) *cwmp.Fault {
	return cwmp.NewFault(cwmp.FaultFileCorrupted, "firmware image: "+format, args...)
}
