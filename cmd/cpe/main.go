// Command cpe runs one TR-069 CPE agent (package cpe) against an ACS until
// SIGINT or SIGTERM: it informs, answers the ACS's requests, and listens
// for connection requests.
//
//	cpe -acs-url http://acs.example.net:7547/ -serial ABC123 -state-dir /var/lib/cpe
//
// Configuration comes from DefaultConfig, then a JSON file (-config, see
// cpe.example.json), then the environment (CWMPKIT_CPE_ACS_PASSWORD,
// CWMPKIT_CPE_CR_PASSWORD), then flags. -check-config validates it and
// exits. Bad flags or configuration exit with status 2, a failure while
// running with 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cwmpkit/cwmpkit/cpe"
	"github.com/cwmpkit/cwmpkit/cwmp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills at once.
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // a failure while running, or -check-config found errors
	exitUsage   = 2 // bad flags or configuration
)

// run is cmd/cpe without the process around it: it reads the configuration
// from args and getenv, and runs the agent until ctx is done. It returns
// the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, opts, err := loadConfig(args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errFlagsReported):
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "cpe: %v\n", err)
		if opts.checkConfig {
			return exitFailure // the file is what -check-config checks
		}
		return exitUsage
	}
	verr := cfg.Validate()
	if opts.checkConfig {
		if verr != nil {
			fmt.Fprintf(stderr, "cpe: invalid configuration:\n%s\n", indentErrors(verr))
			return exitFailure
		}
		fmt.Fprintln(stdout, "cpe: configuration OK")
		return exitOK
	}
	if verr != nil {
		fmt.Fprintf(stderr, "cpe: invalid configuration:\n%s\n", indentErrors(verr))
		return exitUsage
	}

	level, _ := parseLogLevel(cfg.LogLevel) // checked by Validate
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := serve(ctx, cfg, opts, logger); err != nil {
		logger.Error("cpe stopped", "err", err)
		return exitFailure
	}
	return exitOK
}

// indentErrors puts each line of err on its own indented line.
func indentErrors(err error) string {
	return "  " + strings.ReplaceAll(err.Error(), "\n", "\n  ")
}

// serve runs the agent of cfg until ctx is done, then stops the listener
// and saves the agent's state.
func serve(ctx context.Context, cfg Config, opts options, logger *slog.Logger) error {
	if cfg.ACS.InsecureSkipVerify {
		logger.Warn("ACS CERTIFICATES ARE NOT CHECKED (-insecure-skip-verify): anyone on the path can pose as the ACS and take over this device; use -ca-file instead")
	}
	if cfg.StateDir == "" {
		logger.Warn("no -state-dir: nothing is saved, so every start is a new device (0 BOOTSTRAP) and pending events are lost")
	} else if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	tlsConfig, err := cfg.ACS.tlsConfig()
	if err != nil {
		return err
	}
	crUser := cfg.ConnReq.Username
	if crUser == "" {
		crUser = cfg.Device.SerialNumber
	}
	agent, err := cpe.New(cpe.Config{
		ACSURL:   cfg.ACS.URL,
		Username: cfg.ACS.Username,
		Password: cfg.ACS.Password,
		// Factory values: written at the first start and after a
		// FactoryReset; what the ACS sets later is kept.
		ConnectionRequestUsername: crUser,
		ConnectionRequestPassword: cfg.ConnReq.Password,
		Model:                     cfg.Device.Model,
		DeviceID: cwmp.DeviceIdStruct{
			Manufacturer: cfg.Device.Manufacturer,
			OUI:          cfg.Device.OUI,
			ProductClass: cfg.Device.ProductClass,
			SerialNumber: cfg.Device.SerialNumber,
		},
		SoftwareVersion:        cfg.Device.SoftwareVersion,
		HardwareVersion:        cfg.Device.HardwareVersion,
		PeriodicInformInterval: time.Duration(cfg.PeriodicInterval),
		StateDir:               cfg.StateDir,
		TLS:                    tlsConfig,
		Logger:                 logger,
	})
	if err != nil {
		return err
	}
	checkIdentity(agent, cfg, logger)

	if cfg.ConnReq.Addr != "" {
		urlHost := cfg.ConnReq.URLHost
		if urlHost == "" && isWildcard(cfg.ConnReq.Addr) {
			urlHost = routeAddr(ctx, cfg.ACS.URL)
		}
		crs := cpe.NewConnReqServer(cpe.ConnReqConfig{Basic: cfg.ConnReq.Basic, URLHost: urlHost, Logger: logger})
		if err := crs.Listen(cfg.ConnReq.Addr); err != nil {
			return err
		}
		defer func() {
			if err := crs.Close(); err != nil {
				logger.Warn("close connection-request listener", "err", err)
			}
		}()
		url, err := crs.Add(agent)
		if err != nil {
			return err
		}
		logger.Info("listening for connection requests", "addr", crs.Addr().String(), "url", url)
		if cfg.ConnReq.Basic {
			logger.Warn("connection requests accept HTTP Basic (-cr-basic): the ACS sends ConnectionRequestPassword in clear")
		}
	}

	if opts.requestDownload != "" {
		if err := agent.Send(&cwmp.RequestDownload{FileType: opts.requestDownload}); err != nil {
			return err
		}
		logger.Info("RequestDownload queued", "fileType", opts.requestDownload)
	}

	logger.Info("cpe running", "acs", cfg.ACS.URL, "model", cfg.Device.Model, "stateDir", cfg.StateDir)
	err = agent.Run(ctx)
	logger.Info("cpe stopping")
	return errors.Join(err, agent.Close())
}

// checkIdentity warns when the saved device is not the configured one: the
// identity and versions are factory values, written at the first start
// only (a firmware download changes SoftwareVersion, for one).
func checkIdentity(agent *cpe.Agent, cfg Config, logger *slog.Logger) {
	tr := agent.Tree()
	di := tr.Model().Root.Path + "DeviceInfo."
	for _, c := range []struct{ param, flag, want string }{
		{"SerialNumber", "serial", cfg.Device.SerialNumber},
		{"ManufacturerOUI", "oui", cfg.Device.OUI},
		{"ProductClass", "product-class", cfg.Device.ProductClass},
	} {
		if got, _, err := tr.Get(di + c.param); err == nil && got != c.want {
			logger.Warn("the state directory holds another device; its saved identity wins", "param", di+c.param, "saved", got, "-"+c.flag, c.want)
		}
	}
}

// isWildcard reports whether a listen address has no host or a wildcard
// one (":7547", "0.0.0.0:7547", "[::]:7547").
func isWildcard(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "" || ip != nil && ip.IsUnspecified()
}

// routeAddr returns this host's address on its route to the ACS: the
// address the ACS sees the CPE's sessions come from, so the one to report
// in ConnectionRequestURL (absent NAT). "" when it cannot tell; the
// listener then picks an address of its own. Connecting a UDP socket sends
// nothing.
func routeAddr(ctx context.Context, acsURL string) string {
	u, err := url.Parse(acsURL)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := new(net.Dialer).DialContext(ctx, "udp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return ""
	}
	defer conn.Close()
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok {
		return a.IP.String()
	}
	return ""
}
