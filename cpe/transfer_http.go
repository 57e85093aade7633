package cpe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// The HTTP side of transfers: one attempt of a download or an upload, and
// how its failures map to the fault codes of TR-069 Amendment 6 (A.3.3.2
// and the fault table of A.5.1):
//
//	9010  download failure: a file larger than the device takes
//	9011  upload failure: the server refused the file, or the connection broke
//	9012  server authentication failure: 401 (credentials missing or
//	      rejected), 403 with credentials given, or a TLS certificate that
//	      does not verify (the server failed to authenticate itself)
//	9015  unable to contact the file server: DNS, connect, TLS handshake,
//	      or no response (uploads: only DNS and connect)
//	9016  unable to access the file: any other non-2xx answer to a GET
//	9017  unable to complete the download: the body broke off (a
//	      Content-Length that lies, a reset, the attempt's time bound)
//	9018  file corrupted or unusable: its size differs from a non-zero
//	      FileSize, or a firmware image is malformed or for another
//	      product class (firmware.go)
//	9019  file authentication failure: a firmware image's SHA-256
//	      differs from its header
//
// Credentials (Username, Password) answer a Basic or Digest challenge
// through cwmp.Transport, never sent unasked. Basic is answered over plain
// HTTP too: TR-069 file servers use it, and the credentials are the ones
// the ACS chose for that URL. Redirects are followed, at most
// maxTransferRedirects, to http and https only. Connections are not kept
// alive, so an idle agent holds none.

const (
	maxTransferRedirects = 5
	dialTimeout          = 30 * time.Second
	tlsHandshakeTimeout  = 30 * time.Second
	responseTimeout      = 60 * time.Second // from the request sent to the response's header
)

// errRedirect is a redirect the agent does not follow.
var errRedirect = errors.New("redirect not followed")

// attempt runs one try of tr: its download or upload, with times by the
// host's clock. tr is the goroutine's own copy.
func (t *transfers) attempt(ctx context.Context, tr *transfer) outcome {
	start := t.h.now()
	var res outcome
	if tr.Method == methodUpload {
		res = t.upload(ctx, tr)
	} else {
		res = t.download(ctx, tr)
	}
	res.start, res.end = start, t.h.now()
	if res.file != nil {
		res.file.Time = res.end
	}
	return res
}

// client returns the HTTP client of one attempt: its own transport, so
// that an attempt's connections end with it, and the transfer's
// credentials.
func (t *transfers) client(tr *transfer) *http.Client {
	var rt http.RoundTripper = &http.Transport{
		DialContext:           (&net.Dialer{Timeout: dialTimeout}).DialContext,
		TLSClientConfig:       t.cfg.tls,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseTimeout,
		DisableKeepAlives:     true,
		// No proxy: a device reaches file servers directly, and a lab's
		// proxy settings must not divert a simulator's downloads.
	}
	if tr.Username != "" || tr.Password != "" {
		rt = &cwmp.Transport{Auth: &cwmp.ClientAuth{Username: tr.Username, Password: tr.Password}, Base: rt}
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxTransferRedirects {
				return fmt.Errorf("%w: more than %d redirects", errRedirect, maxTransferRedirects)
			}
			if s := req.URL.Scheme; s != "http" && s != "https" {
				return fmt.Errorf("%w: to a %s URL", errRedirect, s)
			}
			return nil
		},
	}
}

// download fetches tr's file and checks it as it streams in: it is hashed,
// and a firmware image is verified, but never held in memory.
func (t *transfers) download(ctx context.Context, tr *transfer) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tr.URL, nil)
	if err != nil {
		return outcome{fault: transferFault(cwmp.FaultDownloadFailure, "request for %s: %v", logURL(tr.URL), err)}
	}
	resp, err := t.client(tr).Do(req)
	if err != nil {
		return outcome{fault: requestFault(err, false)}
	}
	defer resp.Body.Close()
	if t.cfg.gotResponse != nil {
		t.cfg.gotResponse(tr)
	}
	if f, failed := statusFault(resp, tr.Username != "" || tr.Password != "", false); failed {
		return outcome{fault: f}
	}

	// A non-zero FileSize is what the ACS says the file is (A.3.2.8); a
	// file of another size is not the one it meant, so unusable (9018).
	limit := t.cfg.maxSize
	if tr.FileSize > 0 {
		limit = int64(tr.FileSize)
	}
	if n := resp.ContentLength; n > limit || tr.FileSize > 0 && n >= 0 && n != limit {
		return outcome{fault: sizeFault(tr, n, t.cfg.maxSize)}
	}
	whole := sha256.New()
	var fw *firmwareVerifier
	var sink io.Writer = whole
	if tr.FileType == cwmp.FileFirmwareImage || tr.FileType == cwmp.FileStoredFirmwareImage {
		fw = newFirmwareVerifier()
		sink = io.MultiWriter(whole, fw)
	}
	n, readErr, writeErr := copyBounded(sink, resp.Body, limit+1)
	switch {
	case writeErr != nil:
		return outcome{fault: checkFault(writeErr)}
	case readErr != nil:
		return outcome{fault: transferFault(cwmp.FaultDownloadIncomplete, "download broke off after %d bytes: %v", n, readErr)}
	case n > limit, tr.FileSize > 0 && n != int64(tr.FileSize):
		return outcome{fault: sizeFault(tr, n, t.cfg.maxSize)}
	}
	file := &storedFile{FileType: tr.FileType, TargetFileName: tr.TargetFileName, URL: tr.URL, Size: n, SHA256: hexSum(whole)}
	res := outcome{file: file}
	if fw != nil {
		hdr, err := fw.finish()
		if err != nil {
			return outcome{fault: checkFault(err)}
		}
		p := t.h.tree().Model().Root.Path + "DeviceInfo.ProductClass"
		if pc, _, err := t.h.tree().Get(p); err == nil && hdr.productClass != "" && pc != "" && pc != hdr.productClass {
			return outcome{fault: transferFault(cwmp.FaultFileCorrupted, "firmware image is for product class %q, this device is %q", hdr.productClass, pc)}
		}
		file.Version = hdr.version
		if tr.FileType == cwmp.FileFirmwareImage {
			res.firmware = hdr
		}
	}
	return res
}

// checkFault is the FaultStruct of a file check's error: its fault (9018,
// 9019), or 9018 for any other error.
func checkFault(err error) cwmp.FaultStruct {
	if f, ok := cwmp.AsFault(err); ok {
		return transferFault(f.Code, "%s", f.String)
	}
	return transferFault(cwmp.FaultFileCorrupted, "%v", err)
}

// sizeFault says why a download of n bytes (-1: unknown) is refused.
func sizeFault(tr *transfer, n, maxSize int64) cwmp.FaultStruct {
	if tr.FileSize > 0 {
		what := fmt.Sprintf("%d bytes", n)
		if n > int64(tr.FileSize) {
			what = "more than FileSize"
		}
		return transferFault(cwmp.FaultFileCorrupted, "file is %s, FileSize says %d", what, tr.FileSize)
	}
	return transferFault(cwmp.FaultDownloadFailure, "file is larger than the %d bytes this device takes", maxSize)
}

// copyBounded copies from r to w until EOF or until limit bytes were
// read, telling a failed read (the transfer) from a failed write (the
// file's check).
func copyBounded(w io.Writer, r io.Reader, limit int64) (n int64, readErr, writeErr error) {
	buf := make([]byte, 32<<10)
	for n < limit {
		m, err := r.Read(buf[:min(int64(len(buf)), limit-n)])
		if m > 0 {
			n += int64(m)
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, nil, werr
			}
		}
		if err == io.EOF {
			return n, nil, nil
		}
		if err != nil {
			return n, err, nil
		}
	}
	return n, nil, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// upload sends tr's file to the URL (A.4.1.5) with PUT, the method TR-069
// names for HTTP uploads, and, when the server answers 405 Method Not Allowed or 501 Not
// Implemented, once more with POST, which some file servers take instead.
func (t *transfers) upload(ctx context.Context, tr *transfer) outcome {
	body, contentType, err := t.uploadBody(tr)
	if err != nil {
		return outcome{fault: transferFault(cwmp.FaultUploadFailure, "%v", err)}
	}
	c := t.client(tr)
	for _, method := range []string{http.MethodPut, http.MethodPost} {
		// A bytes.Reader gives the request a GetBody, so a Digest
		// challenge can be answered by sending the body again.
		req, err := http.NewRequestWithContext(ctx, method, tr.URL, bytes.NewReader(body))
		if err != nil {
			return outcome{fault: transferFault(cwmp.FaultUploadFailure, "request for %s: %v", logURL(tr.URL), err)}
		}
		req.Header.Set("Content-Type", contentType)
		resp, err := c.Do(req)
		if err != nil {
			return outcome{fault: requestFault(err, true)}
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if method == http.MethodPut && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
			continue
		}
		if f, failed := statusFault(resp, tr.Username != "" || tr.Password != "", true); failed {
			return outcome{fault: f}
		}
		return outcome{}
	}
	return outcome{fault: transferFault(cwmp.FaultUploadFailure, "the server takes neither PUT nor POST")}
}

// uploadBody is the file an Upload sends: the tree as Tree.Save writes it
// for a configuration file, the vendor log for a log file.
func (t *transfers) uploadBody(tr *transfer) ([]byte, string, error) {
	var b bytes.Buffer
	if !uploadsConfig(tr.FileType) {
		di := t.h.tree().Model().Root.Path + "DeviceInfo."
		get := func(name string) string {
			v, _, _ := t.h.tree().Get(di + name)
			return v
		}
		fmt.Fprintf(&b, "# vendor log of %s %s %s at %s\n", get("Manufacturer"), get("ProductClass"), get("SerialNumber"), t.h.now().UTC().Format(time.RFC3339))
		b.Write(t.vlog.bytes())
		return b.Bytes(), "text/plain; charset=utf-8", nil
	}
	if err := t.h.tree().Save(&b); err != nil {
		return nil, "", err
	}
	return b.Bytes(), "application/json", nil
}

// statusFault maps an HTTP answer to a fault, for transfers and software
// module downloads alike; creds says whether credentials were given, and
// failed is false for 2xx.
func statusFault(resp *http.Response, creds, upload bool) (f cwmp.FaultStruct, failed bool) {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return cwmp.FaultStruct{}, false
	}
	switch {
	case code == http.StatusUnauthorized && creds:
		return transferFault(cwmp.FaultTransferAuthentication, "file server rejected the credentials: %s", resp.Status), true
	case code == http.StatusUnauthorized:
		return transferFault(cwmp.FaultTransferAuthentication, "file server wants credentials and none were given: %s", resp.Status), true
	case code == http.StatusForbidden && creds:
		return transferFault(cwmp.FaultTransferAuthentication, "file server refused the user: %s", resp.Status), true
	case upload:
		return transferFault(cwmp.FaultUploadFailure, "upload server answered %s", resp.Status), true
	}
	return transferFault(cwmp.FaultFileAccess, "file server answered %s", resp.Status), true
}

// requestFault maps an error of http.Client.Do, before any response, for
// transfers and software module downloads alike.
func requestFault(err error, upload bool) cwmp.FaultStruct {
	var (
		verifyErr   *tls.CertificateVerificationError
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		dnsErr      *net.DNSError
		opErr       *net.OpError
	)
	switch {
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostnameErr), errors.As(err, &invalidErr):
		return transferFault(cwmp.FaultTransferAuthentication, "file server certificate: %v", unwrapURL(err))
	case errors.Is(err, errRedirect) && upload:
		return transferFault(cwmp.FaultUploadFailure, "%v", unwrapURL(err))
	case errors.Is(err, errRedirect):
		return transferFault(cwmp.FaultFileAccess, "%v", unwrapURL(err))
	case errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		return transferFault(cwmp.FaultFileServerUnreachable, "%v", unwrapURL(err))
	case upload:
		return transferFault(cwmp.FaultUploadFailure, "%v", unwrapURL(err))
	}
	return transferFault(cwmp.FaultFileServerUnreachable, "%v", unwrapURL(err))
}

// unwrapURL drops the *url.Error wrapper, whose text repeats the URL
// (with its query, which may hold a token).
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
