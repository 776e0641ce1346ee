package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"gatehouse/internal/sqldb/sqlite"
)

// errPostgresBackup points PostgreSQL operators to their own tools.
var errPostgresBackup = errors.New("PostgreSQL is backed up and restored with its own tools (pg_dump --format=custom, pg_restore); see the README")

// runBackup writes a consistent online copy of the SQLite database.
func runBackup(ctx context.Context, args []string, stdout io.Writer) error {
	var c Config
	var out string
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	storageFlags(fs, &c)
	fs.StringVar(&out, "out", "", "the backup file to write; it must not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case c.PostgresDSN != "":
		return errPostgresBackup
	case out == "":
		return errors.New("--out FILE is required")
	}
	if err := sqlite.Backup(ctx, c.DBPath, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (checked)\n", c.DBPath, out)
	fmt.Fprint(stdout, vaultKeyNote(c))
	return nil
}

// runRestore replaces the SQLite database with a backup.
func runRestore(ctx context.Context, args []string, stdout io.Writer) error {
	var c Config
	var from string
	var force bool
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	storageFlags(fs, &c)
	fs.StringVar(&from, "from", "", "the backup file to restore")
	fs.BoolVar(&force, "force", false, "replace the database if it exists (the server must be stopped)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case c.PostgresDSN != "":
		return errPostgresBackup
	case from == "":
		return errors.New("--from FILE is required")
	}
	if err := sqlite.Restore(ctx, from, c.DBPath, force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", from, c.DBPath)
	fmt.Fprint(stdout, vaultKeyNote(c))
	return nil
}

// vaultKeyNote says where the key that opens the credential secrets is:
// never in the database, so never in its backup.
func vaultKeyNote(c Config) string {
	return fmt.Sprintf(`The credentials vault key is not in the database or its backup. Keep a copy of
%s.vault-key (or of your --vault-key / GATEHOUSE_VAULT_KEY) apart from the backup:
without that key, the backup's credential secrets cannot be opened; with it beside
the backup, anyone holding both can open them.
`, c.DBPath)
}
