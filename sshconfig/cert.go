package sshconfig

import (
	"fmt"
	"os"

	"github.com/vmconn/vmconn"
)

// certificates maps CertificateFile (~, ${VAR} and %-tokens expanded;
// missing files skipped, as for IdentityFile). The caller's
// CertificateFiles win.
func (m *mapper) certificates(cfg *vmconn.Config) error {
	if len(m.base.CertificateFiles) > 0 {
		return nil
	}
	for _, v := range m.getAll("CertificateFile") {
		file, err := m.tok.expandPath(v)
		if err != nil {
			return fmt.Errorf("CertificateFile: %w: %w", err, vmconn.ErrConfig)
		}
		if _, err := os.Stat(file); err != nil {
			continue
		}
		cfg.CertificateFiles = append(cfg.CertificateFiles, file)
	}
	return nil
}
