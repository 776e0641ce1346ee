package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"gatehouse/internal/sqldb"
)

// channel is where the accounts table's trigger announces every security
// version change (migration 0040): "schema:account:version".
const channel = "gatehouse_security"

// Listen reports every committed security change of the database at dsn
// — this instance's and every other one's — to fn, until ctx ends. It
// reconnects after a lost connection; changes committed while it was
// away are the poll's to catch. Only changes of dsn's own schema count:
// several schemas may share a database and its channels.
func Listen(ctx context.Context, dsn string, fn func(sqldb.SecurityChange)) {
	wait := time.Second
	for ctx.Err() == nil {
		if err := listenOnce(ctx, dsn, fn); err == nil || ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func listenOnce(ctx context.Context, dsn string, fn func(sqldb.SecurityChange)) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+channel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if c, ok := parseChange(n.Payload, schema); ok {
			fn(c)
		}
	}
}

// parseChange reads "schema:account:version", keeping only schema's.
func parseChange(payload, schema string) (sqldb.SecurityChange, bool) {
	i := strings.LastIndexByte(payload, ':')
	if i < 0 {
		return sqldb.SecurityChange{}, false
	}
	j := strings.LastIndexByte(payload[:i], ':')
	if j < 0 || payload[:j] != schema {
		return sqldb.SecurityChange{}, false
	}
	account, err1 := strconv.ParseInt(payload[j+1:i], 10, 64)
	version, err2 := strconv.ParseInt(payload[i+1:], 10, 64)
	if err1 != nil || err2 != nil {
		return sqldb.SecurityChange{}, false
	}
	return sqldb.SecurityChange{AccountID: account, Version: version}, true
}
