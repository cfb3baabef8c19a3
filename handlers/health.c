/* GET /api/health: database reachability and the age of the last sync. */
#include "db.h"
#include "handlers.h"

static const struct db_stmt q_health = { "health",
	"SELECT json_build_object('last_sync_at', max(finished_at), "
	"'last_sync_age_s', floor(extract(epoch FROM now() - "
	"max(finished_at)))::bigint) "
	"FROM sync_runs WHERE status = 'succeeded'",
	0 };

int
h_health_get(struct req *r)
{
	char err[128];
	PGresult *res;
	json_t *body;
	int status;

	res = db_exec(r->db, &q_health, NULL, &status, err, sizeof(err));
	if (res == NULL) {
		reply_header(r, "Retry-After", "5");
		return reply_json(r, 503,
		    json_pack("{s:s,s:s,s:{s:s,s:s}}", "status", "degraded",
			"database", "unreachable", "error", "code",
			"unavailable", "message", err));
	}
	body = db_json(res, 0, 0);
	PQclear(res);
	if (body == NULL)
		body = json_object();
	json_object_set_new(body, "status", json_string("ok"));
	json_object_set_new(body, "database", json_string("ok"));
	return reply_json(r, 200, body);
}
