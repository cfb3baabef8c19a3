/*
 * The FastCGI server: a master that opens the socket and keeps N worker
 * processes alive, each running the accept loop over one route table.
 */
#ifndef TESSIE_SERVER_H
#define TESSIE_SERVER_H

#include <stddef.h>

#include "config.h"
#include "router.h"

/*
 * Serves routes on cfg->fcgi_socket ("/path/to.sock" or ":port" on
 * loopback) with cfg->workers processes until SIGTERM or SIGINT; in-flight
 * requests finish first.  Returns an exit status.
 */
int server_run(
    const struct config *cfg, const struct route *routes, size_t nroutes);

#endif
