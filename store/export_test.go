package store

// ClaimQueryForTest is the statement ClaimWriteBacks runs on the backend
// named backend ("sqlite" or "postgres"), so tests outside the package can
// ask the database how it would run it.
func ClaimQueryForTest(backend string) string {
	if backend == postgresName {
		return claimQuery(postgresDialect())
	}
	return claimQuery(sqliteDialect())
}
