package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the live database at dbPath to out,
// which must not exist. VACUUM INTO reads one snapshot, so writers go
// on meanwhile; the copy is synced to disk and checked before Backup
// returns. It holds no credentials vault key: that lives apart.
func Backup(ctx context.Context, dbPath, out string) error {
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("database %s: %w", dbPath, err)
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists; a backup never overwrites a file", out)
	}
	db, err := sql.Open("sqlite", dsn(dbPath, "ro", 10000))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		return fmt.Errorf("copy the database: %w", err)
	}
	if err := os.Chmod(out, 0o600); err != nil { // password hashes and sealed secrets
		return err
	}
	if err := syncFile(out); err != nil {
		return err
	}
	return Check(ctx, out)
}

// Check opens a database file read-only and verifies it is an intact
// Gatehouse database.
func Check(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dsn(path, "ro", 1000))
	if err != nil {
		return err
	}
	defer db.Close()
	var verdict string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&verdict); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if verdict != "ok" {
		return fmt.Errorf("%s fails its integrity check: %s", path, verdict)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("%s is not a Gatehouse database", path)
	}
	return nil
}

// Restore replaces the database at dbPath with the backup at from,
// after checking the backup. A database that exists is replaced only
// with force, and never while a server has it open. The restored file
// is then migrated to the current schema.
func Restore(ctx context.Context, from, dbPath string, force bool) error {
	if err := Check(ctx, from); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(dbPath); err == nil {
		if !force {
			return fmt.Errorf("%s exists; pass --force to replace it", dbPath)
		}
		if err := quiesce(ctx, dbPath); err != nil {
			return err
		}
	}
	tmp := dbPath + ".restoring"
	if err := copyFile(from, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	for _, stale := range []string{dbPath + "-wal", dbPath + "-shm"} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(dbPath)); err != nil {
		return err
	}
	db, err := Open(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("open the restored database: %w", err)
	}
	return db.Close()
}

// quiesce folds the write-ahead log into the database file and makes
// sure no one else has it open: leaving WAL mode needs every other
// connection gone.
func quiesce(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", dsn(path, "rw", 1000))
	if err != nil {
		return err
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode); err != nil || mode != "delete" {
		return fmt.Errorf("%s is in use (%v); stop the server before restoring", path, err)
	}
	return nil
}

func dsn(path, mode string, busyMS int) string {
	return fmt.Sprintf("file:%s?mode=%s&_pragma=busy_timeout(%d)", (&url.URL{Path: path}).EscapedPath(), mode, busyMS)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
