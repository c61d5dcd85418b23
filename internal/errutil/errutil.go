// Package errutil holds the small error helpers that vmconn's feature
// packages share, so that they classify errors with the core's sentinels
// and word them the way the core does ("vmconn: " once, at the outermost
// error) without copies of the same few lines in every package.
package errutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every error message of vmconn, once: at the outermost
// error.
const Prefix = "vmconn: "

// Classed joins a sentinel class and a cause so that errors.Is finds
// both. A nil cause is the class alone.
func Classed(class, cause error) error {
	if cause == nil {
		return class
	}
	return fmt.Errorf("%w: %w", class, cause)
}

// IsTimeout reports whether err, or an error it wraps, has a method
// Timeout() bool that reports true, as net errors do.
func IsTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// Bare returns err's message without its leading Prefix, for an error
// that wraps it in its own message starting with Prefix. vmconn's errors
// carry the prefix once, at their start, so removing it there is enough.
func Bare(err error) string {
	return strings.TrimPrefix(err.Error(), Prefix)
}

// ContextEnd reports why ctx ended, nil while it has not: ctx.Err() when
// no other cause was given (or the cause is that error), the cause itself
// when it is an error of the same kind, else ctx.Err() and the cause
// together, so that errors.Is finds both.
func ContextEnd(ctx context.Context) error {
	err, why := ctx.Err(), context.Cause(ctx)
	switch {
	case err == nil:
		return nil
	case why == nil || errors.Is(why, err):
		return why
	}
	return fmt.Errorf("%w: %w", err, why)
}
