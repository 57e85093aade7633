package cpe

func init() {
	subsystemFactories = append(subsystemFactories,
		func(h host) subsystem { return newSoftwareModules(h) },
		func(h host) subsystem { return newOptions(h) },
	)
}
