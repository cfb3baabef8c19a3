/*
 * The hostile corpus (the .txt files of tests/hostile, format in its
 * README.md): every request in it, sent byte for byte over a plain socket
 * to the real nginx, must be refused with a 4xx and a JSON error body --
 * never a 5xx, never nginx's HTML, never a 2xx.  Afterwards tessie-api's
 * master and workers are the same processes, its log has no sanitizer
 * report and no dead worker, and every table of the database has the
 * checksum it had before the corpus ran.
 *
 * One TAP line per case, named by its file, line and name; a failure shows
 * the request and what came back as # lines (HOSTILE_VERBOSE=1: the status
 * and error of every case).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../tap.h"
#include "auth.h"
#include "stack.h"
#include "util.h"

#define CORPUS_DIR "tests/hostile"
/* Largest request a case may expand to, and answer kept. */
#define REQ_CAP (4 << 20)
#define ANSWER_CAP (1 << 20)
/* Seconds to wait for an answer. */
#define ANSWER_TIMEOUT_S 15
/* Microseconds between requests to the login route (its limit_req). */
#define LOGIN_PACE_US 150000
#define MAX_VARS 256

struct var {
	char name[64];
	char *value;
};

static struct var vars[MAX_VARS];
static size_t nvars;
static long long now_s;

/* A case of the corpus, as parsed from its line. */
struct hcase {
	char where[128]; /* file:line */
	char name[128];
	int raw, shut, nobody, http09, want;
	struct sbuf req; /* the bytes to send */
};

/* What came back. */
struct answer {
	int status;
	int closed_silent; /* the connection closed with no byte */
	struct sbuf head; /* status line and headers */
	struct sbuf body; /* de-chunked */
};

static void
var_set(const char *name, const char *value)
{
	for (size_t i = 0; i < nvars; i++)
		if (strcmp(vars[i].name, name) == 0) {
			free(vars[i].value);
			vars[i].value = strdup(value);
			return;
		}
	if (nvars == MAX_VARS)
		return;
	snprintf(vars[nvars].name, sizeof(vars[nvars].name), "%s", name);
	vars[nvars++].value = strdup(value);
}

static const char *
var_get(const char *name, size_t len)
{
	for (size_t i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == len &&
		    strncmp(vars[i].name, name, len) == 0)
			return vars[i].value;
	return NULL;
}

/*
 * Expands the placeholders of src (len bytes) into out: {{NAME}} from the
 * variables, {{NOW}}, {{NOW+N}} and {{NOW-N}} (epoch seconds), and
 * {{REP:N:text}} (text N times, itself expanded: placeholders nest).
 * "{{" not followed by a capital letter is text.  Returns 0, or -1 naming an
 * unknown one in err.
 */
static int
expand(struct sbuf *out, const char *src, size_t len, char *err, size_t errn)
{
	const char *p = src, *end = src + len;

	while (p < end) {
		const char *open = NULL, *close, *name;
		size_t nlen;
		int depth = 0;

		for (const char *q = p; q + 2 < end; q++)
			if (q[0] == '{' && q[1] == '{' &&
			    isupper((unsigned char)q[2])) {
				open = q;
				break;
			}
		if (open == NULL) {
			sbuf_add(out, p, (size_t)(end - p));
			break;
		}
		sbuf_add(out, p, (size_t)(open - p));
		name = open + 2;
		close = NULL;
		/* Its "}}", past those of the placeholders inside it. */
		for (const char *q = name; q + 1 < end && close == NULL; q++)
			if (q[0] == '{' && q[1] == '{' && q + 2 < end &&
			    isupper((unsigned char)q[2])) {
				depth++;
				q++;
			} else if (q[0] == '}' && q[1] == '}') {
				if (depth-- == 0)
					close = q;
				q++;
			}
		if (close == NULL) {
			snprintf(err, errn, "unclosed {{");
			return -1;
		}
		nlen = (size_t)(close - name);
		if (nlen > 4 && strncmp(name, "REP:", 4) == 0) {
			char *colon;
			long n = strtol(name + 4, &colon, 10);
			struct sbuf one = SBUF_INIT(REQ_CAP);

			if (*colon != ':' || n < 0 || colon > close) {
				snprintf(err, errn, "bad {{REP:N:text}}");
				return -1;
			}
			if (expand(&one, colon + 1, (size_t)(close - colon - 1),
				err, errn) == -1) {
				sbuf_release(&one);
				return -1;
			}
			for (long i = 0; i < n && !out->failed; i++)
				sbuf_add(out, one.buf, one.len);
			sbuf_release(&one);
		} else if (nlen >= 3 && strncmp(name, "NOW", 3) == 0) {
			long long d = 0;

			if (nlen > 3)
				d = strtoll(name + 3, NULL, 10);
			sbuf_addf(out, "%lld", now_s + d);
		} else {
			const char *v = var_get(name, nlen);

			if (v == NULL) {
				snprintf(err, errn,
				    "unknown placeholder {{%.*s}}", (int)nlen,
				    name);
				return -1;
			}
			sbuf_adds(out, v);
		}
		p = close + 2;
	}
	return 0;
}

/*
 * Replaces the escapes of in by their bytes into out: \r \n \t \0 \\ and
 * \xHH.  Returns 0, or -1 for a malformed escape.
 */
static int
unescape(struct sbuf *out, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c != '\\') {
			sbuf_addc(out, c);
			continue;
		}
		if (++i == len)
			return -1;
		switch (in[i]) {
		case 'r':
			c = '\r';
			break;
		case 'n':
			c = '\n';
			break;
		case 't':
			c = '\t';
			break;
		case '0':
			c = '\0';
			break;
		case '\\':
			c = '\\';
			break;
		case 'x': {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hex_digit((unsigned char)in[i + 1]);
			lo = hex_digit((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
			break;
		}
		default:
			return -1;
		}
		sbuf_addc(out, c);
	}
	return 0;
}

/* expand() then unescape() of s (NUL-terminated) into out. */
static int
cook(struct sbuf *out, const char *s, char *err, size_t errn)
{
	struct sbuf x = SBUF_INIT(REQ_CAP);
	int rc = -1;

	if (expand(&x, s, strlen(s), err, errn) == -1)
		goto out;
	if (x.failed) {
		snprintf(err, errn, "expands to over %d bytes", REQ_CAP);
		goto out;
	}
	if (unescape(out, x.buf, x.len) == -1) {
		snprintf(err, errn, "malformed escape");
		goto out;
	}
	rc = 0;
out:
	sbuf_release(&x);
	return rc;
}

/* The next whitespace-separated field of *p (NUL-terminated in place). */
static char *
next_field(char **p)
{
	char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	e = s + strcspn(s, " \t");
	if (*e != '\0')
		*e++ = '\0';
	*p = e;
	return s;
}

static void
b64url(const void *in, size_t n, struct sbuf *out)
{
	char buf[8192];

	if (b64url_encode(in, n, buf, sizeof(buf)) >= 0)
		sbuf_adds(out, buf);
}

/*
 * "@jwt NAME SIGN HEADER PAYLOAD": a token for {{JWT:NAME}} ("-" for an
 * empty HEADER or PAYLOAD).  SIGN is
 * hs256, hs384 or hs512 under the stack's JWT_SECRET, wrong256 (HS256
 * under another key), empty (no signature) or junk (256 random-looking
 * bytes, the size of an RS256 signature).
 */
static int
jwt_define(char *rest, char *err, size_t errn)
{
	static const uint8_t wrong_key[] = "not-the-secret-not-the-secret-!!";
	char *name = next_field(&rest), *sign = next_field(&rest);
	char *hdr = next_field(&rest), *pay = next_field(&rest);
	struct sbuf h = SBUF_INIT(8192), pl = SBUF_INIT(8192);
	struct sbuf tok = SBUF_INIT(16384);
	const char *secret = getenv("JWT_SECRET");
	const EVP_MD *md = NULL;
	const uint8_t *key = (const uint8_t *)secret;
	size_t keylen = secret ? strlen(secret) : 0;
	char vname[40];
	int rc = -1;

	if (name == NULL || sign == NULL || hdr == NULL || pay == NULL) {
		snprintf(err, errn, "@jwt NAME SIGN HEADER PAYLOAD");
		goto out;
	}
	/* "-" is an empty segment. */
	if (cook(&h, strcmp(hdr, "-") == 0 ? "" : hdr, err, errn) == -1 ||
	    cook(&pl, strcmp(pay, "-") == 0 ? "" : pay, err, errn) == -1)
		goto out;
	b64url(h.buf, h.len, &tok);
	sbuf_addc(&tok, '.');
	b64url(pl.buf, pl.len, &tok);
	if (strcmp(sign, "hs256") == 0)
		md = EVP_sha256();
	else if (strcmp(sign, "hs384") == 0)
		md = EVP_sha384();
	else if (strcmp(sign, "hs512") == 0)
		md = EVP_sha512();
	else if (strcmp(sign, "wrong256") == 0) {
		md = EVP_sha256();
		key = wrong_key;
		keylen = sizeof(wrong_key) - 1;
	}
	sbuf_addc(&tok, '.');
	if (md != NULL) {
		unsigned char mac[EVP_MAX_MD_SIZE];
		unsigned int maclen = 0;

		if (HMAC(md, key, (int)keylen, (const unsigned char *)tok.buf,
			tok.len - 1, mac, &maclen) == NULL) {
			snprintf(err, errn, "HMAC failed");
			goto out;
		}
		b64url(mac, maclen, &tok);
	} else if (strcmp(sign, "junk") == 0) {
		uint8_t junk[256];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)(i * 37 + 11);
		b64url(junk, sizeof(junk), &tok);
	} else if (strcmp(sign, "empty") != 0) {
		snprintf(err, errn, "unknown SIGN \"%s\"", sign);
		goto out;
	}
	snprintf(vname, sizeof(vname), "JWT:%s", name);
	var_set(vname, tok.buf);
	rc = 0;
out:
	sbuf_release(&h);
	sbuf_release(&pl);
	sbuf_release(&tok);
	return rc;
}

/*
 * Parses a case line (not a comment, not @jwt) into c.  Returns 0, or -1
 * with the reason in err.
 */
static int
case_parse(struct hcase *c, char *line, char *err, size_t errn)
{
	char *rest = line, *name, *opts, *method, *target, *body, *save = NULL;
	struct sbuf hdrs = SBUF_INIT(REQ_CAP), b = SBUF_INIT(REQ_CAP);
	struct sbuf v = SBUF_INIT(REQ_CAP);
	const char *ct = "application/json", *ver = "HTTP/1.1";
	char *cl = NULL, *auth = NULL;
	int noauth = 0, noct = 0, nocl = 0, hasbody, rc = -1;

	name = next_field(&rest);
	opts = next_field(&rest);
	if (name == NULL || opts == NULL) {
		snprintf(err, errn, "a case is NAME OPTIONS ...");
		goto out;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (strcmp(opts, "-") == 0)
		opts[0] = '\0';
	for (char *o = strtok_r(opts, ",", &save); o != NULL;
	     o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "raw") == 0)
			c->raw = 1;
		else if (strcmp(o, "shut") == 0)
			c->shut = 1;
		else if (strcmp(o, "nobody") == 0)
			c->nobody = 1;
		else if (strcmp(o, "http09") == 0)
			c->http09 = 1;
		else if (strcmp(o, "noauth") == 0)
			noauth = 1;
		else if (strcmp(o, "noct") == 0)
			noct = 1;
		else if (strcmp(o, "nocl") == 0)
			nocl = 1;
		else if (strncmp(o, "want=", 5) == 0)
			c->want = atoi(o + 5);
		else if (strncmp(o, "ct=", 3) == 0)
			ct = o + 3;
		else if (strncmp(o, "cl=", 3) == 0)
			cl = o + 3;
		else if (strncmp(o, "ver=", 4) == 0)
			ver = o + 4;
		else if (strncmp(o, "auth=", 5) == 0)
			auth = o + 5;
		else if (strncmp(o, "h=", 2) == 0) {
			if (cook(&hdrs, o + 2, err, errn) == -1)
				goto out;
			sbuf_adds(&hdrs, "\r\n");
		} else {
			snprintf(err, errn, "unknown option \"%s\"", o);
			goto out;
		}
	}
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (c->raw) {
		rc = cook(&c->req, rest, err, errn);
		goto out;
	}
	method = next_field(&rest);
	target = next_field(&rest);
	if (method == NULL || target == NULL) {
		snprintf(
		    err, errn, "a case is NAME OPTIONS METHOD TARGET [BODY]");
		goto out;
	}
	body = rest;
	hasbody = *body != '\0';
	if (cook(&v, method, err, errn) == -1)
		goto out;
	sbuf_add(&c->req, v.buf, v.len);
	sbuf_addc(&c->req, ' ');
	sbuf_reset(&v);
	if (cook(&v, target, err, errn) == -1)
		goto out;
	sbuf_add(&c->req, v.buf, v.len);
	sbuf_addf(&c->req, " %s\r\nHost: 127.0.0.1\r\n", ver);
	if (!noauth) {
		sbuf_reset(&v);
		if (cook(&v, auth ? auth : "Bearer {{TOKEN}}", err, errn) == -1)
			goto out;
		sbuf_adds(&c->req, "Authorization: ");
		sbuf_add(&c->req, v.buf, v.len);
		sbuf_adds(&c->req, "\r\n");
	}
	if (hasbody && cook(&b, body, err, errn) == -1)
		goto out;
	if ((hasbody || strcmp(ct, "application/json") != 0) && !noct) {
		sbuf_reset(&v);
		if (cook(&v, ct, err, errn) == -1)
			goto out;
		sbuf_adds(&c->req, "Content-Type: ");
		sbuf_add(&c->req, v.buf, v.len);
		sbuf_adds(&c->req, "\r\n");
	}
	if (cl != NULL) {
		sbuf_reset(&v);
		if (cook(&v, cl, err, errn) == -1)
			goto out;
		sbuf_adds(&c->req, "Content-Length: ");
		sbuf_add(&c->req, v.buf, v.len);
		sbuf_adds(&c->req, "\r\n");
	} else if (hasbody && !nocl) {
		sbuf_addf(&c->req, "Content-Length: %zu\r\n", b.len);
	}
	sbuf_add(&c->req, hdrs.buf, hdrs.len);
	sbuf_adds(&c->req, "Connection: close\r\n\r\n");
	sbuf_add(&c->req, b.buf, b.len);
	rc = 0;
out:
	if (rc == 0 && c->req.failed) {
		snprintf(err, errn, "request over %d bytes", REQ_CAP);
		rc = -1;
	}
	sbuf_release(&hdrs);
	sbuf_release(&b);
	sbuf_release(&v);
	return rc;
}

/* The value of header name in the head, or NULL (points into head). */
static const char *
head_value(const struct sbuf *head, const char *name, size_t *len)
{
	size_t n = strlen(name);

	for (const char *p = head->buf; p != NULL && *p != '\0';) {
		const char *eol = strstr(p, "\r\n");

		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			*len = eol ? (size_t)(eol - v) : strlen(v);
			return v;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

/* Undoes chunked transfer coding of in into out; -1 when malformed. */
static int
dechunk(struct sbuf *out, const char *in, size_t len)
{
	size_t i = 0;

	while (i < len) {
		char *end;
		unsigned long n = strtoul(in + i, &end, 16);
		const char *eol = strstr(in + i, "\r\n");

		if (eol == NULL || end == in + i)
			return -1;
		i = (size_t)(eol - in) + 2;
		if (n == 0)
			return 0;
		if (i + n > len)
			return -1;
		sbuf_add(out, in + i, n);
		i += n + 2;
	}
	return -1;
}

/*
 * Sends c to nginx and reads its answer: to the end of the connection, or
 * to the end of the body its Content-Length gives.  Returns 0, or -1 when
 * nginx cannot be reached.
 */
static int
exchange(const struct hcase *c, struct answer *a)
{
	struct sbuf in = SBUF_INIT(ANSWER_CAP);
	char buf[65536];
	size_t off = 0, hend = 0;
	long want_len = -1;
	time_t deadline = time(NULL) + ANSWER_TIMEOUT_S;
	int fd;

	memset(a, 0, sizeof(*a));
	sbuf_init(&a->head, 1 << 16);
	sbuf_init(&a->body, ANSWER_CAP);
	if ((fd = nginx_connect()) < 0)
		return -1;
	/* nginx may answer (and close) before it has read it all. */
	while (off < c->req.len) {
		struct pollfd pw = { fd, POLLOUT, 0 };
		ssize_t k;

		if (poll(&pw, 1, 1000) <= 0 || time(NULL) > deadline)
			break;
		k = send(fd, c->req.buf + off, c->req.len - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	if (c->shut)
		shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd pr = { fd, POLLIN, 0 };
		int left = (int)(deadline - time(NULL));
		ssize_t k;

		if (left <= 0 || poll(&pr, 1, left * 1000) <= 0)
			break;
		if ((k = recv(fd, buf, sizeof(buf), 0)) <= 0)
			break;
		sbuf_add(&in, buf, (size_t)k);
		while (hend == 0) {
			const char *e = strstr(in.buf, "\r\n\r\n");
			size_t n;
			const char *v;

			if (e == NULL)
				break;
			hend = (size_t)(e - in.buf) + 4;
			/* An interim 1xx (100 Continue): the answer follows. */
			if (strncmp(in.buf, "HTTP/1.1 1", 10) == 0) {
				size_t rest = in.len - hend;

				memmove(in.buf, in.buf + hend, rest);
				in.len = rest;
				in.buf[rest] = '\0';
				hend = 0;
				continue;
			}
			sbuf_add(&a->head, in.buf, hend - 2);
			if ((v = head_value(&a->head, "Content-Length", &n)) !=
			    NULL)
				want_len = atol(v);
		}
		if (hend > 0 && want_len >= 0 &&
		    in.len - hend >= (size_t)want_len)
			break;
	}
	close(fd);
	a->closed_silent = in.len == 0;
	if (hend == 0) {
		sbuf_add(&a->head, in.buf, in.len);
	} else {
		const char *v;
		size_t n;

		if ((v = head_value(&a->head, "Transfer-Encoding", &n)) !=
			NULL &&
		    strncasecmp(v, "chunked", 7) == 0)
			dechunk(&a->body, in.buf + hend, in.len - hend);
		else
			sbuf_add(&a->body, in.buf + hend, in.len - hend);
	}
	sscanf(a->head.buf, "HTTP/1.%*d %d", &a->status);
	sbuf_release(&in);
	return 0;
}

static void
answer_free(struct answer *a)
{
	sbuf_release(&a->head);
	sbuf_release(&a->body);
}

/* Prints up to max bytes of s as one # line, escaping what is not text. */
static void
show(const char *label, const char *s, size_t len, size_t max)
{
	printf("#   %s (%zu bytes): ", label, len);
	for (size_t i = 0; i < len && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r')
			fputs("\\r", stdout);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\\')
			fputs("\\\\", stdout);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
	if (len > max)
		fputs("...", stdout);
	putchar('\n');
}

/*
 * The verdict on a: NULL when it is a right refusal of c, else why not
 * (into why).
 */
static const char *
judge(const struct hcase *c, const struct answer *a, char *why, size_t n)
{
	const char *ct;
	json_t *j, *e;
	size_t len;

	if (a->closed_silent && c->shut)
		return NULL;
	/* An HTTP/0.9 answer is the body alone: no status, no headers. */
	if (c->http09 && a->status == 0) {
		j = json_loadb(a->head.buf, a->head.len, 0, NULL);
		e = json_object_get(j, "error");
		json_decref(j);
		if (e == NULL)
			snprintf(why, n, "not an HTTP/0.9 JSON error");
		return e == NULL ? why : NULL;
	}
	if (a->status == 0) {
		snprintf(why, n, "no HTTP answer");
		return why;
	}
	if (a->status >= 500) {
		snprintf(why, n, "a server error (%d)", a->status);
		return why;
	}
	if (a->status < 400 || a->status > 499) {
		snprintf(why, n, "not refused (%d)", a->status);
		return why;
	}
	if (c->want != 0 && a->status != c->want) {
		snprintf(why, n, "%d, wanted %d", a->status, c->want);
		return why;
	}
	ct = head_value(&a->head, "Content-Type", &len);
	if (ct == NULL || len < 16 ||
	    strncasecmp(ct, "application/json", 16) != 0) {
		snprintf(why, n, "Content-Type is %.*s, not application/json",
		    ct ? (int)len : 6, ct ? ct : "absent");
		return why;
	}
	if (c->nobody)
		return NULL;
	j = json_loadb(a->body.buf, a->body.len, 0, NULL);
	e = json_object_get(j, "error");
	if (!json_is_object(j) || !json_is_object(e) ||
	    !json_is_string(json_object_get(e, "code"))) {
		snprintf(why, n, "the body is not {\"error\":{\"code\":...}}");
		json_decref(j);
		return why;
	}
	json_decref(j);
	return NULL;
}

/* Runs the case c (from where): one TAP line. */
static void
run_case(struct hcase *c)
{
	char msg[300], why[200];
	const char *bad;
	struct answer a;

	if (strstr(c->req.buf, "/api/auth/login") != NULL)
		usleep(LOGIN_PACE_US);
	snprintf(msg, sizeof(msg), "%s %s", c->where, c->name);
	if (exchange(c, &a) == -1) {
		ok(0, msg);
		printf("#   cannot connect to nginx\n");
		return;
	}
	bad = judge(c, &a, why, sizeof(why));
	if (getenv("HOSTILE_VERBOSE") != NULL) {
		json_t *j = json_loadb(a.body.buf, a.body.len, 0, NULL);
		json_t *e = json_object_get(j, "error");

		printf("#   %d %s: %s\n", a.status,
		    json_string_value(json_object_get(e, "code")) ?: "-",
		    json_string_value(json_object_get(e, "message")) ?: "-");
		json_decref(j);
	}
	if (!ok(bad == NULL, msg)) {
		printf("#   %s\n", bad);
		show("sent", c->req.buf, c->req.len, 400);
		show("head", a.head.buf, a.head.len, 600);
		show("body", a.body.buf, a.body.len, 400);
	}
	answer_free(&a);
}

/* The set of tessie-api's processes: the master and its children. */
static void
api_procs(pid_t master, struct sbuf *out)
{
	char path[64], buf[512];
	DIR *d = opendir("/proc");
	struct dirent *de;
	long *pids = NULL;
	size_t n = 0, cap = 0;

	sbuf_reset(out);
	while (d != NULL && (de = readdir(d)) != NULL) {
		long pid = atol(de->d_name), ppid = 0;
		FILE *f;
		char *rp;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (rp = strrchr(buf, ')')) != NULL)
			sscanf(rp + 2, "%*c %ld", &ppid);
		fclose(f);
		if (ppid != master)
			continue;
		if (n == cap) {
			long *p =
			    realloc(pids, (cap ? 2 * cap : 16) * sizeof(*p));

			if (p == NULL)
				break;
			pids = p;
			cap = cap ? 2 * cap : 16;
		}
		pids[n++] = pid;
	}
	if (d != NULL)
		closedir(d);
	/* Sorted, so that two lists compare as text. */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && pids[k - 1] > pids[k]; k--) {
			long t = pids[k];

			pids[k] = pids[k - 1];
			pids[k - 1] = t;
		}
	sbuf_addf(out, "master %ld%s, %zu workers:", (long)master,
	    kill(master, 0) == 0 ? "" : " (gone)", n);
	for (size_t i = 0; i < n; i++)
		sbuf_addf(out, " %ld", pids[i]);
	free(pids);
}

/*
 * One line per table of the public schema: its name, its row count and the
 * md5 of its rows as text, sorted (a fixed order whatever the physical
 * one).  PostgreSQL builds each table's query itself (format %I).
 */
static const char checksum_sql[] =
    "SELECT tablename || '|' || (xpath('/row/n/text()', x))[1]::text || "
    "'|' || (xpath('/row/h/text()', x))[1]::text FROM (SELECT tablename, "
    "query_to_xml(format('SELECT count(*) AS n, md5(coalesce("
    "string_agg(t::text, chr(10) ORDER BY t::text), '''')) AS h "
    "FROM public.%I t', tablename), false, true, '') AS x "
    "FROM pg_tables WHERE schemaname = 'public') s ORDER BY 1";

static int
checksums(struct sbuf *out)
{
	return psql(out, checksum_sql) == 0 && out->len > 0 ? 0 : -1;
}

/* Prints the lines of a that b lacks. */
static void
diff_lines(const char *label, const char *a, const char *b)
{
	const char *p = a;

	while (*p != '\0') {
		size_t k = strcspn(p, "\n");
		const char *q = b;
		int found = 0;

		while (*q != '\0') {
			size_t m = strcspn(q, "\n");

			if (m == k && strncmp(p, q, k) == 0)
				found = 1;
			q += m + (q[m] == '\n');
		}
		if (!found)
			printf("#   %s %.*s\n", label, (int)k, p);
		p += k + (p[k] == '\n');
	}
}

/*
 * Rows of the admin's for the corpus to aim at, so that a bad body meets
 * the handler's checks and not just "no such driver": one of each kind,
 * with ids of their own.  Added before the corpus and removed after it.
 */
static const char setup_sql[] =
    "INSERT INTO tariffs (id, account_id, name, currency, kind, content) "
    "SELECT 'ac1d0000-0000-4000-8000-000000000004', id, 'hostile', 'EUR', "
    "'flat', '{\"per_kwh\": 0.3}' FROM accounts WHERE username = 'admin';\n"
    "INSERT INTO places (id, account_id, name, latitude, longitude, "
    "radius_m) SELECT 'ac1d0000-0000-4000-8000-000000000003', id, "
    "'hostile', 0, 0, 1 FROM accounts WHERE username = 'admin';\n"
    "INSERT INTO drivers (id, account_id, name) SELECT "
    "'ac1d0000-0000-4000-8000-000000000001', id, 'hostile' FROM accounts "
    "WHERE username = 'admin';\n"
    "INSERT INTO driver_rules (id, account_id, driver_id) SELECT "
    "'ac1d0000-0000-4000-8000-000000000002', id, "
    "'ac1d0000-0000-4000-8000-000000000001' FROM accounts WHERE "
    "username = 'admin';\n"
    "INSERT INTO drives (id, vehicle_id, started_at, ended_at) SELECT "
    "'ac1d0000-0000-4000-8000-000000000005', v.id, "
    "'2001-01-01T00:00:00Z', '2001-01-01T01:00:00Z' FROM vehicles v JOIN "
    "accounts a ON a.id = v.account_id WHERE a.username = 'admin' "
    "ORDER BY v.id LIMIT 1;\n"
    "INSERT INTO charging_sessions (id, vehicle_id, started_at, ended_at) "
    "SELECT 'ac1d0000-0000-4000-8000-000000000006', v.id, "
    "'2001-01-02T00:00:00Z', '2001-01-02T01:00:00Z' FROM vehicles v JOIN "
    "accounts a ON a.id = v.account_id WHERE a.username = 'admin' "
    "ORDER BY v.id LIMIT 1;\n"
    "INSERT INTO energy_sites (id, account_id, tesla_site_id) SELECT "
    "'ac1d0000-0000-4000-8000-000000000007', id, 990000000000001 FROM "
    "accounts WHERE username = 'admin';\n";

static const char teardown_sql[] = "DELETE FROM energy_sites WHERE id = "
				   "'ac1d0000-0000-4000-8000-000000000007';\n"
				   "DELETE FROM charging_sessions WHERE id = "
				   "'ac1d0000-0000-4000-8000-000000000006';\n"
				   "DELETE FROM drives WHERE id = "
				   "'ac1d0000-0000-4000-8000-000000000005';\n"
				   "DELETE FROM driver_rules WHERE id = "
				   "'ac1d0000-0000-4000-8000-000000000002';\n"
				   "DELETE FROM drivers WHERE id = "
				   "'ac1d0000-0000-4000-8000-000000000001';\n"
				   "DELETE FROM places WHERE id = "
				   "'ac1d0000-0000-4000-8000-000000000003';\n"
				   "DELETE FROM tariffs WHERE id = "
				   "'ac1d0000-0000-4000-8000-000000000004';\n";

/* The id of the query's first row, or a UUID no row has. */
static void
id_var(const char *name, const char *query)
{
	char v[128];

	sql(v, sizeof(v), "%s", query);
	var_set(name, is_uuid(v) ? v : "0badf00d-0000-4000-8000-00000000dead");
}

/* The size of the file at path, 0 when it has none. */
static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Lines of the log at path from offset on that tell of a fault. */
static int
log_faults(const char *path, long from)
{
	static const char *const marks[] = { "ERROR: AddressSanitizer",
		"ERROR: LeakSanitizer", "runtime error:", "starting another",
		"second reply" };
	char line[2048];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	fseek(f, from, SEEK_SET);
	while (fgets(line, sizeof(line), f) != NULL)
		for (size_t i = 0; i < nitems(marks); i++)
			if (strstr(line, marks[i]) != NULL) {
				if (n++ < 20)
					printf("#   %s", line);
				break;
			}
	fclose(f);
	return n;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
t_corpus(void)
{
	char token[2048], acct[128], apilog[512], path[600], err[256];
	char *line = NULL;
	struct sbuf before = SBUF_INIT(1 << 20), after = SBUF_INIT(1 << 20);
	struct sbuf untouched = SBUF_INIT(1 << 20);
	struct sbuf procs0 = SBUF_INIT(4096), procs1 = SBUF_INIT(4096);
	pid_t master = (pid_t)atol(getenv("TEST_API_PID") ?: "0");
	size_t cap = 0, ncases = 0, nbad = 0;
	glob_t g;
	long logoff;
	struct resp r;
	char **files;

	now_s = (long long)time(NULL);
	is_int(login(token, sizeof(token)), 200, "log in for the corpus");
	var_set("TOKEN", token);
	sql(acct, sizeof(acct),
	    "SELECT id FROM accounts WHERE username = 'admin'");
	var_set("ACCOUNT", acct);
	var_set("ISS", JWT_ISSUER);
	id_var("VEHICLE",
	    "SELECT v.id FROM vehicles v JOIN accounts a ON a.id = "
	    "v.account_id WHERE a.username = 'admin' ORDER BY v.id LIMIT 1");
	id_var("OTHER_VEHICLE",
	    "SELECT v.id FROM vehicles v JOIN accounts a ON a.id = "
	    "v.account_id WHERE a.username <> 'admin' ORDER BY v.id LIMIT 1");
	var_set("NOID", "0badf00d-0000-4000-8000-00000000dead");

	ok(checksums(&untouched) == 0, "checksum of every table");
	ok(psql_script(NULL, setup_sql) == 0,
	    "a driver, rule, place, tariff, drive, session and site to aim at");
	var_set("DRIVER", "ac1d0000-0000-4000-8000-000000000001");
	var_set("RULE", "ac1d0000-0000-4000-8000-000000000002");
	var_set("PLACE", "ac1d0000-0000-4000-8000-000000000003");
	var_set("TARIFF", "ac1d0000-0000-4000-8000-000000000004");
	var_set("DRIVE", "ac1d0000-0000-4000-8000-000000000005");
	var_set("SESSION", "ac1d0000-0000-4000-8000-000000000006");
	var_set("SITE", "ac1d0000-0000-4000-8000-000000000007");

	snprintf(apilog, sizeof(apilog), "%s/api.log",
	    getenv("TEST_STACK_DIR") ?: ".");
	logoff = file_size(apilog);
	ok(checksums(&before) == 0, "checksum of every table before");
	api_procs(master, &procs0);

	snprintf(path, sizeof(path), "%s/*.txt", CORPUS_DIR);
	if (glob(path, 0, NULL, &g) != 0) {
		printf("# no corpus in %s\n", path);
		memset(&g, 0, sizeof(g));
	}
	files = g.gl_pathv;
	if (g.gl_pathc > 1)
		qsort(files, g.gl_pathc, sizeof(*files), by_name);
	for (size_t fi = 0; fi < g.gl_pathc; fi++) {
		FILE *f = fopen(files[fi], "r");
		const char *base = strrchr(files[fi], '/');
		ssize_t len;
		int lineno = 0;

		base = base ? base + 1 : files[fi];
		while (f != NULL && (len = getline(&line, &cap, f)) != -1) {
			struct hcase c;
			char *s = line;

			lineno++;
			while (len > 0 &&
			    (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '\0' || *s == '#')
				continue;
			memset(&c, 0, sizeof(c));
			snprintf(
			    c.where, sizeof(c.where), "%s:%d", base, lineno);
			if (strncmp(s, "@jwt ", 5) == 0) {
				if (jwt_define(s + 5, err, sizeof(err)) != 0) {
					snprintf(path, sizeof(path),
					    "%s: bad @jwt: %s", c.where, err);
					ok(0, path);
					nbad++;
				}
				continue;
			}
			sbuf_init(&c.req, REQ_CAP);
			if (case_parse(&c, s, err, sizeof(err)) != 0) {
				snprintf(path, sizeof(path),
				    "%s %s: bad case: %s", c.where, c.name,
				    err);
				ok(0, path);
				nbad++;
			} else {
				run_case(&c);
				ncases++;
			}
			sbuf_release(&c.req);
		}
		if (f != NULL)
			fclose(f);
	}
	free(line);
	globfree(&g);
	printf("# %zu cases sent\n", ncases);
	ok(ncases >= 500 && nbad == 0, "at least 500 well-formed cases");

	/* Still the same processes, still answering. */
	api_procs(master, &procs1);
	if (!ok(strcmp(procs0.buf, procs1.buf) == 0 && kill(master, 0) == 0,
		"tessie-api: the same master and workers as before"))
		printf(
		    "#   before: %s\n#   after:  %s\n", procs0.buf, procs1.buf);
	ok(log_faults(apilog, logoff) == 0,
	    "tessie-api's log: no sanitizer report, no dead worker");
	http_get(&r, "/api/vehicles", token);
	is_int(r.status, 200, "the API still answers");
	resp_free(&r);

	ok(checksums(&after) == 0, "checksum of every table after");
	if (!ok(before.len > 0 && strcmp(before.buf, after.buf) == 0,
		"every table unchanged by the corpus")) {
		diff_lines("before:", before.buf, after.buf);
		diff_lines("after: ", after.buf, before.buf);
	}
	ok(psql_script(NULL, teardown_sql) == 0 && checksums(&after) == 0 &&
		strcmp(untouched.buf, after.buf) == 0,
	    "the rows aimed at removed: the database as the test found it");
	sbuf_release(&untouched);
	sbuf_release(&before);
	sbuf_release(&after);
	sbuf_release(&procs0);
	sbuf_release(&procs1);
}

static const struct tap_test tests[] = {
	TAP(t_corpus),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return tap_run(tests, nitems(tests));
}
