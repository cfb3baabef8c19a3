/*
 * tessie-api: the FastCGI server behind nginx.
 *
 *	tessie-api [-e env-file] [-s socket] [-w workers]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "handlers.h"
#include "log.h"
#include "server.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: tessie-api [-e env-file] [-s socket] [-w workers]\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	const char *env_file = NULL, *sock = NULL;
	struct config cfg;
	char err[512];
	int ch, workers = 0, rc;

	while ((ch = getopt(argc, argv, "e:s:w:")) != -1) {
		switch (ch) {
		case 'e':
			env_file = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'w':
			workers = atoi(optarg);
			if (workers < 1 || workers > 256) {
				fprintf(stderr,
				    "tessie-api: -w must be "
				    "from 1 to 256\n");
				return 64;
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (config_load(&cfg, env_file, err, sizeof(err)) == -1 ||
	    config_require(
		&cfg, CFG_NEED_DB | CFG_NEED_JWT, err, sizeof(err)) == -1) {
		fprintf(stderr, "tessie-api: %s\n", err);
		return 78; /* EX_CONFIG */
	}
	log_init("tessie-api", cfg.log_level);
	if (sock != NULL) {
		free(cfg.fcgi_socket);
		cfg.fcgi_socket = NULL;
	}
	if (workers > 0)
		cfg.workers = workers;
	if (cfg.fcgi_socket == NULL && sock == NULL) {
		fprintf(stderr,
		    "tessie-api: no socket: set TESSIE_FCGI_SOCKET "
		    "or pass -s /path/to.sock\n");
		config_free(&cfg);
		return 78;
	}
	if (sock != NULL)
		cfg.fcgi_socket = (char *)sock;
	rc = server_run(&cfg, routes, nroutes);
	if (sock != NULL)
		cfg.fcgi_socket = NULL;
	config_free(&cfg);
	return rc;
}
