package sshdtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// keyJob is one key for ssh-keygen to write to file (and file+".pub").
type keyJob struct {
	typ, passphrase, file string
}

// keygen writes the key of every job, all at once (an RSA key, or a key
// encrypted with bcrypt, takes a few hundred milliseconds to make).
func keygen(ctx context.Context, jobs []keyJob) error {
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { errs[i] = cachedKeygen(ctx, j) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// A test process makes each kind of key once and gives the same key to all
// its servers, which makes Start several times faster.
var (
	keyCacheMu sync.Mutex
	keyCache   = map[string]*cachedKey{} // by file name, type and passphrase
)

type cachedKey struct {
	once      sync.Once
	priv, pub []byte
	err       error
}

// cachedKeygen writes the cached key of j to j.file, making it first if
// need be. Keys of different roles (file names) differ.
func cachedKeygen(ctx context.Context, j keyJob) error {
	name := filepath.Base(j.file) + "\x00" + j.typ + "\x00" + j.passphrase
	keyCacheMu.Lock()
	k := keyCache[name]
	if k == nil {
		k = &cachedKey{}
		keyCache[name] = k
	}
	keyCacheMu.Unlock()
	made := false
	k.once.Do(func() {
		made = true
		if k.err = keygenOne(ctx, j); k.err != nil {
			return
		}
		if k.priv, k.err = os.ReadFile(j.file); k.err == nil {
			k.pub, k.err = os.ReadFile(j.file + ".pub")
		}
	})
	if k.err != nil {
		keyCacheMu.Lock()
		if keyCache[name] == k { // let the next Start try again
			delete(keyCache, name)
		}
		keyCacheMu.Unlock()
		return k.err
	}
	if made {
		return nil
	}
	if err := os.WriteFile(j.file, k.priv, 0o600); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	return os.WriteFile(j.file+".pub", k.pub, 0o644)
}

// passphrase is the passphrase of the encrypted client key.
var passphrase = sync.OnceValue(func() string { return randomHex(8) })

func keygenOne(ctx context.Context, j keyJob) error {
	args := []string{"-q", "-t", j.typ, "-N", j.passphrase, "-C", "vmconn-sshdtest", "-f", j.file}
	if j.typ == "rsa" {
		args = append(args, "-b", "2048")
	}
	out, err := exec.CommandContext(ctx, "ssh-keygen", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("sshdtest: ssh-keygen -t %s: %w: %s", j.typ, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// readPublicKey parses the public half that ssh-keygen wrote beside file.
func readPublicKey(file string) (ssh.PublicKey, error) {
	b, err := os.ReadFile(file + ".pub")
	if err != nil {
		return nil, fmt.Errorf("sshdtest: %w", err)
	}
	k, _, _, _, err := ssh.ParseAuthorizedKey(b)
	if err != nil {
		return nil, fmt.Errorf("sshdtest: parse %s.pub: %w", file, err)
	}
	return k, nil
}

// readSigner parses the unencrypted private key in file.
func readSigner(file string) (ssh.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("sshdtest: %w", err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("sshdtest: parse %s: %w", file, err)
	}
	return s, nil
}

// writeKnownHosts writes one known_hosts line per key for addr, written as
// OpenSSH writes a non-default port ("[127.0.0.1]:PORT"), hashed when asked.
func writeKnownHosts(path, addr string, keys []ssh.PublicKey, hashed bool) error {
	host := knownhosts.Normalize(addr)
	var b strings.Builder
	for _, k := range keys {
		h := host
		if hashed {
			h = knownhosts.HashHostname(host)
		}
		b.WriteString(knownhosts.Line([]string{h}, k) + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeAuthorizedKeys authorizes the public keys of the private key files.
// The file is world-readable so that a non-root login user can read it.
func writeAuthorizedKeys(path string, keyFiles ...string) error {
	var b strings.Builder
	for _, f := range keyFiles {
		pub, err := os.ReadFile(f + ".pub")
		if err != nil {
			return fmt.Errorf("sshdtest: %w", err)
		}
		b.Write(pub)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// hostKeyJobs returns the ssh-keygen jobs for the host keys in dir.
func hostKeyJobs(dir string, types []string) []keyJob {
	jobs := make([]keyJob, len(types))
	for i, typ := range types {
		jobs[i] = keyJob{typ: typ, file: filepath.Join(dir, "ssh_host_"+typ+"_key")}
	}
	return jobs
}
