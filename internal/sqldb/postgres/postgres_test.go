package postgres_test

import (
	"testing"

	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/sqldb/postgres"
	"gatehouse/internal/sqldb/storetest"
)

func TestConformance(t *testing.T) {
	if dbtest.PostgresDSN(t) == "" {
		t.Skip("GATEHOUSE_TEST_POSTGRES is not set")
	}
	storetest.Run(t, dbtest.OpenPostgres)
}

func TestRebindNumbersPlaceholders(t *testing.T) {
	got := postgres.Rebind("SELECT a FROM t WHERE b = ? AND c IN (?, ?)")
	if want := "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"; got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
}
