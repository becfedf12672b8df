package store

// PurgeQueryForTest is the statement PurgeWriteBacks runs on the backend
// named backend ("sqlite" or "postgres"), so tests outside the package can
// ask the database how it would run it.
func PurgeQueryForTest(backend string) string {
	if backend == postgresName {
		return purgeQuery(postgresDialect())
	}
	return purgeQuery(sqliteDialect())
}
