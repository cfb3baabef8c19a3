/*
 * Numbered SQL migrations (sql/NNN_name.sql): applied in order, each in its
 * own transaction, recorded in schema_migrations with a SHA-256 checksum so
 * that an applied migration that was edited afterwards is refused.
 */
#ifndef TESSIE_MIGRATE_H
#define TESSIE_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * Applies the pending migrations of dir over conn, under an advisory lock
 * so that two runners never interleave.  Returns the number applied (>= 0),
 * or -1 with a message for a person in err.
 */
int migrate_run(PGconn *conn, const char *dir, char *err, size_t errlen);

#endif
