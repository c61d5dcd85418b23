package main

import (
	"log/slog"

	"github.com/spf13/pflag"
)

// registerVerbose adds -v/--verbose, which every subcommand shares.
func (g *globalFlags) registerVerbose(f *pflag.FlagSet) {
	f.CountVarP(&g.verbose, "verbose", "v", "log to stderr what vmconn does: -v dials, auth, host keys, reconnects; -vv also each command (never a secret)")
}

// logger returns the logger -v asks for (nil, silent, without it): info
// records with -v, debug records too with -vv, as text on stderr.
func (g *globalFlags) logger() *slog.Logger {
	if g.verbose == 0 {
		return nil
	}
	level := slog.LevelInfo
	if g.verbose > 1 {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(g.stderr(), &slog.HandlerOptions{Level: level}))
}
