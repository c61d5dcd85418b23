package sshdtest_test

import (
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

func TestPasswordUser(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true})
	if !strings.HasPrefix(s.User, "vmconn-t-") || s.Password == "" {
		t.Fatalf("user %q, password %q", s.User, s.Password)
	}
	c, err := dialAuth(t, s, ssh.Password(s.Password))
	if err != nil {
		t.Fatalf("password login: %v", err)
	}
	defer c.Close()
	if got := strings.TrimSpace(run(t, c, "id -un")); got != s.User {
		t.Errorf("logged in as %q, want %q", got, s.User)
	}
	if _, err := dialAuth(t, s, ssh.Password("wrong")); err == nil {
		t.Error("wrong password accepted")
	}
	// The keys work for this user too.
	if got := strings.TrimSpace(run(t, s.Dial(t), "id -un")); got != s.User {
		t.Errorf("key login as %q, want %q", got, s.User)
	}
}

// TestKeyboardInteractive records how keyboard-interactive goes with
// OpenSSH's sshd, with and without PAM.
func TestKeyboardInteractive(t *testing.T) {
	t.Run("PAM", func(t *testing.T) {
		s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, PAM: true})
		var rounds [][]string
		c, err := dialAuth(t, s, ssh.KeyboardInteractive(answer(s.Password, &rounds)))
		if err != nil {
			t.Fatalf("keyboard-interactive with PAM: %v", err)
		}
		c.Close()
		// PAM asks "Password: ", then sends a round with no question.
		if len(rounds) == 0 || len(rounds[0]) != 1 || rounds[0][0] != "Password: " {
			t.Errorf("questions: %q", rounds)
		}
		t.Logf("rounds of questions: %q", rounds)
	})
	t.Run("no PAM", func(t *testing.T) {
		s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true})
		var rounds [][]string
		c, err := dialAuth(t, s, ssh.KeyboardInteractive(answer(s.Password, &rounds)))
		// sshd fails the method before any question, which x/crypto
		// reports as a protocol error when no other method is left.
		if err == nil {
			c.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "unexpected message type 51 (expected 60)") || len(rounds) > 0 {
			t.Fatalf("got %v after %q; want x/crypto's unexpected message 51 error", err, rounds)
		}
		c, err = dialAuth(t, s, ssh.KeyboardInteractive(answer(s.Password, &rounds)), ssh.Password(s.Password))
		if err != nil {
			t.Fatalf("keyboard-interactive then password: %v", err)
		}
		c.Close()
	})
}

// dialAuth dials s as s.User with the given methods only.
func dialAuth(t *testing.T, s *sshdtest.Server, auth ...ssh.AuthMethod) (*ssh.Client, error) {
	cfg := s.ClientConfig(t)
	cfg.Auth = auth
	return ssh.Dial("tcp", s.Addr, cfg)
}

// answer returns a keyboard-interactive callback that answers password to
// every question and records the questions.
func answer(password string, rounds *[][]string) ssh.KeyboardInteractiveChallenge {
	return func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		*rounds = append(*rounds, questions)
		answers := make([]string, len(questions))
		for i := range answers {
			answers[i] = password
		}
		return answers, nil
	}
}
