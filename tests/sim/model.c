/*
 * The household model: a clock, fixed one-minute steps from an epoch (a
 * local midnight some days before the start), daily snapshots so that the
 * clock can be moved back, and the per-site energy buckets that
 * calendar_history reads.  Cars and sites step in car.c and site.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define STEPS_PER_DAY (86400 / SIM_STEP)
#define STEPS_PER_BUCKET (SIM_BUCKET / SIM_STEP)

/* Floor division for possibly negative numerators. */
static int64_t
floordiv(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The local midnight history_days before instant t. */
static int64_t
epoch_for(const struct model *m, int64_t t)
{
	struct ltime lt;

	tz_local(m->zone, t, &lt);
	return tz_mktime(m->zone, lt.day - m->history_days, 0);
}

static void
snap_free(struct snap *sn)
{
	free(sn->cs);
	free(sn->ss);
	free(sn->sess);
}

/* Puts every car and site in its state at the epoch, forgets history. */
static void
model_reset(struct model *m, int64_t epoch)
{
	size_t i;
	int s, c;

	m->epoch = epoch;
	m->k = 0;
	m->nsess = 0;
	for (i = 0; i < m->nsnaps; i++)
		snap_free(&m->snaps[i]);
	m->nsnaps = 0;
	for (s = 0; s < m->nsites; s++) {
		if (m->bk[s] != NULL)
			memset(m->bk[s], 0, m->nbk * sizeof(struct bucket));
		site_init(m, s);
	}
	for (c = 0; c < m->ncars; c++)
		car_init(m, c);
}

int
model_grow_buckets(struct model *m, size_t need)
{
	struct bucket *b;
	size_t n;
	int s;

	if (need <= m->nbk)
		return 0;
	n = m->nbk == 0 ? 4096 : m->nbk;
	while (n < need)
		n *= 2;
	for (s = 0; s < m->nsites; s++) {
		b = realloc(m->bk[s], n * sizeof(*b));
		if (b == NULL)
			return -1;
		memset(b + m->nbk, 0, (n - m->nbk) * sizeof(*b));
		m->bk[s] = b;
	}
	m->nbk = n;
	return 0;
}

int
model_add_session(struct model *m, const struct sc_session *ss)
{
	struct sc_session *p;
	size_t n;

	if (m->nsess == m->asess) {
		n = m->asess == 0 ? 16 : m->asess * 2;
		p = realloc(m->sess, n * sizeof(*p));
		if (p == NULL)
			return -1;
		m->sess = p;
		m->asess = n;
	}
	m->sess[m->nsess] = *ss;
	return (int)m->nsess++;
}

/* Records the state before step m->k (a day boundary since the epoch). */
static int
take_snapshot(struct model *m)
{
	struct snap *sn, *p;
	size_t n;

	if (m->nsnaps == m->asnaps) {
		n = m->asnaps == 0 ? 32 : m->asnaps * 2;
		p = realloc(m->snaps, n * sizeof(*p));
		if (p == NULL)
			return -1;
		m->snaps = p;
		m->asnaps = n;
	}
	sn = &m->snaps[m->nsnaps];
	sn->k = m->k;
	sn->nsess = m->nsess;
	sn->cs = malloc((size_t)m->ncars * sizeof(*sn->cs) + 1);
	sn->ss = malloc((size_t)m->nsites * sizeof(*sn->ss) + 1);
	sn->sess = malloc(m->nsess * sizeof(*sn->sess) + 1);
	if (sn->cs == NULL || sn->ss == NULL || sn->sess == NULL) {
		snap_free(sn);
		return -1;
	}
	memcpy(sn->cs, m->cs, (size_t)m->ncars * sizeof(*sn->cs));
	memcpy(sn->ss, m->ss, (size_t)m->nsites * sizeof(*sn->ss));
	if (m->nsess > 0)
		memcpy(sn->sess, m->sess, m->nsess * sizeof(*sn->sess));
	m->nsnaps++;
	return 0;
}

/* Goes back to snapshot j and drops everything computed after it. */
static void
restore_snapshot(struct model *m, size_t j)
{
	struct snap *sn = &m->snaps[j];
	size_t b, i;
	int s;

	memcpy(m->cs, sn->cs, (size_t)m->ncars * sizeof(*sn->cs));
	memcpy(m->ss, sn->ss, (size_t)m->nsites * sizeof(*sn->ss));
	m->k = sn->k;
	m->nsess = sn->nsess;
	if (sn->nsess > 0)
		memcpy(m->sess, sn->sess, sn->nsess * sizeof(*sn->sess));
	b = (size_t)(sn->k / STEPS_PER_BUCKET);
	for (s = 0; s < m->nsites; s++)
		if (b < m->nbk)
			memset(m->bk[s] + b, 0,
			    (m->nbk - b) * sizeof(struct bucket));
	for (i = j + 1; i < m->nsnaps; i++)
		snap_free(&m->snaps[i]);
	m->nsnaps = j + 1;
}

/* Computes step m->k. */
static int
model_step(struct model *m)
{
	struct ltime lt;
	double out_c;
	int64_t t;
	int i;

	if (m->k % STEPS_PER_DAY == 0 &&
	    (size_t)(m->k / STEPS_PER_DAY) == m->nsnaps &&
	    take_snapshot(m) == -1)
		return -1;
	if (model_grow_buckets(m, (size_t)(m->k / STEPS_PER_BUCKET) + 1))
		return -1;
	t = m->epoch + m->k * SIM_STEP;
	tz_local(m->zone, t, &lt); /* every car lives in the household's */
	out_c = outside_temp(m, &lt);
	for (i = 0; i < m->ncars; i++)
		car_step(m, i, t, &lt, out_c);
	for (i = 0; i < m->nsites; i++)
		site_step(m, i, t);
	m->k++;
	return 0;
}

int64_t
model_now_ms(const struct model *m)
{
	return m->base_sim_ms + (mono_ms() - m->base_mono_ms);
}

/* Runs the model up to and including the step of instant t_ms. */
static int
model_run_to(struct model *m, int64_t t_ms)
{
	int64_t target;

	target = floordiv(floordiv(t_ms, 1000) - m->epoch, SIM_STEP);
	while (m->k <= target)
		if (model_step(m) == -1)
			return -1;
	return 0;
}

int
model_sync(struct model *m)
{
	return model_run_to(m, model_now_ms(m));
}

int
model_set_clock(struct model *m, int64_t t_ms)
{
	int64_t target;
	size_t j;

	m->base_sim_ms = t_ms;
	m->base_mono_ms = mono_ms();
	target = floordiv(floordiv(t_ms, 1000) - m->epoch, SIM_STEP);
	if (target < 0) {
		model_reset(m, epoch_for(m, floordiv(t_ms, 1000)));
	} else if (target < m->k - 1) {
		j = (size_t)(target / STEPS_PER_DAY);
		if (j >= m->nsnaps)
			j = m->nsnaps - 1;
		restore_snapshot(m, j);
	}
	return model_run_to(m, t_ms);
}

int
model_init(struct model *m, uint64_t seed, int ncars, int nsites,
    const struct zone *z, int64_t start_ms, int history_days)
{
	memset(m, 0, sizeof(*m));
	m->seed = seed;
	m->ncars = ncars;
	m->nsites = nsites;
	m->nhouse = ncars < 3 ? ncars : 3;
	m->zone = z;
	m->history_days = history_days;
	m->cc = calloc((size_t)ncars + 1, sizeof(*m->cc));
	m->cs = calloc((size_t)ncars + 1, sizeof(*m->cs));
	m->co = calloc((size_t)ncars + 1, sizeof(*m->co));
	m->sc = calloc((size_t)nsites + 1, sizeof(*m->sc));
	m->ss = calloc((size_t)nsites + 1, sizeof(*m->ss));
	m->bk = calloc((size_t)nsites + 1, sizeof(*m->bk));
	if (m->cc == NULL || m->cs == NULL || m->co == NULL || m->sc == NULL ||
	    m->ss == NULL || m->bk == NULL)
		return -1;
	for (int i = 0; i < ncars; i++)
		m->co[i].forced = VS_AUTO;
	model_reset(m, epoch_for(m, floordiv(start_ms, 1000)));
	return model_set_clock(m, start_ms);
}

void
model_free(struct model *m)
{
	size_t i;
	int s;

	for (i = 0; i < m->nsnaps; i++)
		snap_free(&m->snaps[i]);
	free(m->snaps);
	if (m->bk != NULL)
		for (s = 0; s < m->nsites; s++)
			free(m->bk[s]);
	free(m->bk);
	free(m->sess);
	free(m->cc);
	free(m->cs);
	free(m->co);
	free(m->sc);
	free(m->ss);
	memset(m, 0, sizeof(*m));
}

enum vstate
model_car_state(const struct model *m, int i, int64_t now_ms)
{
	const struct car_ovl *o = &m->co[i];
	enum vstate st;

	st = m->cs[i].online ? VS_ONLINE : VS_ASLEEP;
	if (o->forced != VS_AUTO)
		st = o->forced;
	if (st != VS_OFFLINE && now_ms >= o->awake_from &&
	    now_ms < o->awake_until)
		st = VS_ONLINE;
	return st;
}

void
model_car_wake(struct model *m, int i, int64_t now_ms)
{
	struct car_ovl *o = &m->co[i];
	enum vstate st;

	st = model_car_state(m, i, now_ms);
	if (st == VS_OFFLINE)
		return;
	if (st == VS_ONLINE) {
		model_car_touch(m, i, now_ms);
		return;
	}
	if (o->awake_from > now_ms && o->awake_until > now_ms)
		return; /* already waking up */
	o->awake_from = now_ms + 10000;
	o->awake_until = o->awake_from + SIM_AWAKE_S * 1000LL;
}

void
model_car_touch(struct model *m, int i, int64_t now_ms)
{
	struct car_ovl *o = &m->co[i];

	if (model_car_state(m, i, now_ms) != VS_ONLINE)
		return;
	if (o->awake_until <= now_ms || o->awake_from > now_ms)
		o->awake_from = now_ms;
	if (o->awake_until < now_ms + SIM_AWAKE_S * 1000LL)
		o->awake_until = now_ms + SIM_AWAKE_S * 1000LL;
}

int
model_find_car(const struct model *m, const char *key)
{
	int i;

	if (key == NULL)
		return -1;
	for (i = 0; i < m->ncars; i++)
		if (strcmp(m->cc[i].id_s, key) == 0 ||
		    strcmp(m->cc[i].vin, key) == 0)
			return i;
	return -1;
}

int
model_find_site(const struct model *m, const char *key)
{
	char buf[24];
	int i;

	if (key == NULL)
		return -1;
	for (i = 0; i < m->nsites; i++) {
		snprintf(buf, sizeof(buf), "%lld", (long long)m->sc[i].id);
		if (strcmp(buf, key) == 0)
			return i;
	}
	return -1;
}

const struct bucket *
model_bucket(const struct model *m, int s, int64_t b)
{
	if (b < 0 || (b + 1) * STEPS_PER_BUCKET > m->k || (size_t)b >= m->nbk)
		return NULL;
	return &m->bk[s][b];
}
