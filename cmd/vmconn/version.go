package main

import (
	"fmt"
	"runtime/debug"
)

// version says which vmconn this is: the module version ("(devel)" when
// built from a checkout) and the VCS revision it was built from, with
// "+dirty" when the checkout had changes.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build info)"
	}
	return versionOf(info)
}

// versionOf formats info as version does.
func versionOf(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (revision %s%s", rev, dirty)
		if when != "" {
			v += ", " + when
		}
		v += ")"
	}
	return v + ", " + info.GoVersion
}
