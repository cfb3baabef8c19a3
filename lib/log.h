/*
 * Logging to stderr with a level, the program name and the current request
 * id.  Never pass tokens, passwords or coordinates.
 */
#ifndef TESSIE_LOG_H
#define TESSIE_LOG_H

enum log_level { LOGL_ERROR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };

void log_init(const char *prog, enum log_level level);

/* Parses "error", "warn", "info" or "debug"; -1 when unknown. */
int log_level_parse(const char *s);

/* Sets (NULL clears) the request id printed with each line. */
void log_set_request_id(const char *id);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)

#endif
