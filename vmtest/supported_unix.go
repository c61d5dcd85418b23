//go:build unix

package vmtest

// supported reports whether the server can run here: on Unix it can.
func supported() error { return nil }
