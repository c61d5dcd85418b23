// Package testenv decides, in one place, what a test does when the machine
// lacks something it needs (root, a program, a kernel feature): outside CI
// it skips with a message that says what is missing; under CI=true it
// fails, so that CI cannot pass without running the test. It also holds
// Eventually, the one poll loop the tests use to wait for a condition.
//
// It is for tests only, like net/http/httptest's helpers.
package testenv
