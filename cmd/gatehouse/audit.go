package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// runAuditVerify checks every account's audit chain and names the first
// tampered or missing entry of each broken one.
func runAuditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	var c Config
	var account string
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	storageFlags(fs, &c)
	fs.StringVar(&account, "account", "", "verify only this account (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	var accountID int64
	if account != "" {
		a, err := db.AccountByName(ctx, account)
		if err != nil {
			return fmt.Errorf("account %q: %w", account, err)
		}
		accountID = a.ID
	}
	problems, n, err := db.VerifyAudit(ctx, accountID)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(stdout, "TAMPERED %s\n", p.Error())
	}
	if len(problems) > 0 {
		return errors.New("the audit log failed verification")
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries verified\n", n)
	return nil
}
