package textutil

import (
	"slices"
	"testing"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 3, "abc"}, {"abcd", 3, "abc..."}, {"", 0, ""}} {
		if got := Truncate(tc.s, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q; want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestSplitNUL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{{"", nil}, {"a\x00", []string{"a"}}, {"a\x00\x00b\x00", []string{"a", "", "b"}}, {"a", []string{"a"}}} {
		if got := SplitNUL([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("SplitNUL(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
