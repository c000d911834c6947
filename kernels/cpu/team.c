/* A small persistent thread team: creating threads per GEMM call would cost
 * more than a small GEMM. Threads are bound with hwloc to one PU each, one
 * per core before SMT siblings, and the binding actually obtained is kept
 * (docs/references.md: OMP_PROC_BIND=close once left every thread on one CPU). */
#include <hwloc.h>
#include <math.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "kernels/cpu/cpu.h"

struct worker {
	dlp_team *team;
	int tid;
	pthread_t th;
	int started;
	int pu;                /* os index bound to, -1 none */
	char *obtained;        /* cpuset list the thread ended up bound to */
	char *bind_error;
	double waited;         /* this run: seconds off its CPU while it had work */
	unsigned ran;          /* the last run (gen) it took part in */
};

struct dlp_team {
	int n;
	struct worker *w;
	hwloc_topology_t topo;
	hwloc_bitmap_t caller_saved;  /* thread 0's binding before, restored on free */
	pthread_mutex_t mu;
	pthread_cond_t cv_start, cv_done;
	unsigned gen;
	/* dynamic: skip workers not started once closed; pending counts the
	 * workers that still have to finish (all n - 1 when not dynamic, the
	 * ones that started when dynamic). */
	int run_n, pending, quit, dynamic, closed;
	dlp_team_fn fn;
	void *arg;
	atomic_int bar_count;
	atomic_int bar_gen;
	int track;             /* dlp_team_track_wait */
	/* Threads 0..whole-1 have a core each (0: unknown). A thread off its
	 * CPU leaves an SMT sibling the whole core, so runs of more threads
	 * are not tracked: their time less the wait would beat any run. */
	int whole;
	int run_track;         /* this run is tracked */
	double started;        /* this run's start (CLOCK_MONOTONIC s), tracked */
	double held;           /* seconds runs were held up since the last
	                        * dlp_team_wait_s; NaN: no run tracked */
};

/* A worker woken this long before it ran (or a dynamic run closed
 * without it this long after waking it) was runnable that long without its
 * CPU: another task held it. Shorter, it may only have been waking (tens
 * of us on an idle CPU), and counts as losing nothing. */
#define TEAM_WAKE_S 1e-3

static void bind_self(struct worker *w)
{
	dlp_team *t = w->team;
	hwloc_bitmap_t set = NULL;
	char buf[160];

	if (!t->topo || w->pu < 0)
		return;
	set = hwloc_bitmap_alloc();
	if (!set)
		return;
	hwloc_bitmap_only(set, (unsigned)w->pu);
	if (hwloc_set_cpubind(t->topo, set, HWLOC_CPUBIND_THREAD) != 0) {
		snprintf(buf, sizeof buf, "hwloc_set_cpubind to PU %d failed", w->pu);
		w->bind_error = strdup(buf);
	}
	if (hwloc_get_cpubind(t->topo, set, HWLOC_CPUBIND_THREAD) == 0) {
		char *s = NULL;

		if (hwloc_bitmap_list_asprintf(&s, set) >= 0)
			w->obtained = s;
	}
	hwloc_bitmap_free(set);
}

/* fn on one thread, and (tracked) the time the thread did not run while it
 * had work: in fn its wall time less its CPU time, since nothing in a
 * team's fn sleeps; before fn, a wake-up of TEAM_WAKE_S or more (shorter is
 * the CPU waking, which every run pays, not another task). */
static void call_fn(dlp_team *t, struct worker *w, dlp_team_fn fn, void *arg, int n)
{
	double cpu = 0, begin = 0;

	if (t->run_track)
		begin = dlp_clock_s(CLOCK_MONOTONIC), cpu = dlp_clock_s(CLOCK_THREAD_CPUTIME_ID);
	fn(arg, w->tid, n);
	if (t->run_track) {
		double late = begin - t->started;

		cpu = dlp_clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu;
		w->waited = fmax(0, dlp_clock_s(CLOCK_MONOTONIC) - begin - cpu) + (late >= TEAM_WAKE_S ? late : 0);
	}
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	dlp_team *t = w->team;
	unsigned seen = 0;

	bind_self(w);
	dlp_cpu_ftz_daz();
	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (t->gen == seen && !t->quit)
			pthread_cond_wait(&t->cv_start, &t->mu);
		if (t->quit)
			break;
		seen = t->gen;
		if (w->tid < t->run_n && !t->closed) {
			w->ran = seen;
			dlp_team_fn fn = t->fn;
			void *arg = t->arg;
			int n = t->run_n;

			if (t->dynamic)
				t->pending++;
			pthread_mutex_unlock(&t->mu);
			call_fn(t, w, fn, arg, n);
			pthread_mutex_lock(&t->mu);
			if (--t->pending == 0)
				pthread_cond_signal(&t->cv_done);
		}
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* PUs of the allowed set, first PU of every core, then the SMT siblings;
 * *whole: how many of them, the first, have a core each. */
static int choose_pus(hwloc_topology_t topo, int *pus, int want, int *whole)
{
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	int ncores, c, round, got = 0;

	if (!allowed)
		return 0;
	if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) != 0)
		hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
	ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	for (round = 0; round < 8 && got < want; round++) {
		for (c = 0; c < ncores && got < want; c++) {
			hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, c);
			hwloc_obj_t pu = NULL;
			int idx = 0;

			while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(topo, core->cpuset,
									      HWLOC_OBJ_PU, pu))) {
				if (!hwloc_bitmap_isset(allowed, pu->os_index))
					continue;
				if (idx++ == round) {
					pus[got++] = (int)pu->os_index;
					break;
				}
			}
		}
		if (round == 0)
			*whole = got;
	}
	hwloc_bitmap_free(allowed);
	return got;
}

static void noop(void *arg, int tid, int nthreads)
{
}

dlp_team *dlp_team_new(int n)
{
	dlp_team *t = NULL;
	int *pus = NULL, npu = 0, i;

	if (n < 1 || n > DLP_TEAM_MAX) {
		dlp_error_set("thread team of %d threads", n);
		return NULL;
	}
	t = calloc(1, sizeof *t);
	pus = calloc((size_t)n, sizeof *pus);
	if (!t || !pus)
		goto fail;
	t->w = calloc((size_t)n, sizeof *t->w);
	if (!t->w)
		goto fail;
	t->n = n;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv_start, NULL);
	pthread_cond_init(&t->cv_done, NULL);
	atomic_init(&t->bar_count, 0);
	atomic_init(&t->bar_gen, 0);
	t->held = NAN;
	/* Pinning is best effort: without hwloc the team still runs, unbound,
	 * and the binding it reports says so. */
	if (hwloc_topology_init(&t->topo) == 0 && hwloc_topology_load(t->topo) == 0) {
		npu = choose_pus(t->topo, pus, n, &t->whole);
		t->caller_saved = hwloc_bitmap_alloc();
		if (t->caller_saved &&
		    hwloc_get_cpubind(t->topo, t->caller_saved, HWLOC_CPUBIND_THREAD) != 0) {
			hwloc_bitmap_free(t->caller_saved);
			t->caller_saved = NULL;
		}
	} else if (t->topo) {
		hwloc_topology_destroy(t->topo);
		t->topo = NULL;
	}
	for (i = 0; i < n; i++) {
		t->w[i].team = t;
		t->w[i].tid = i;
		t->w[i].pu = npu ? pus[i % npu] : -1;
	}
	bind_self(&t->w[0]);
	for (i = 1; i < n; i++) {
		if (pthread_create(&t->w[i].th, NULL, worker_main, &t->w[i]) != 0) {
			dlp_error_set("pthread_create failed for thread %d", i);
			goto fail;
		}
		t->w[i].started = 1;
	}
	/* One empty run: when it returns every worker has bound itself, so the
	 * binding read later is the one obtained. */
	dlp_team_run(t, n, noop, NULL);
	free(pus);
	return t;
fail:
	/* Only pthread_create sets its own message; every allocation failure,
	 * the team itself included, lands here without one. */
	if (!t || !t->w)
		dlp_error_set("out of memory");
	free(pus);
	dlp_team_free(t);
	return NULL;
}

void dlp_team_free(dlp_team *t)
{
	int i;

	if (!t)
		return;
	if (t->w) {
		pthread_mutex_lock(&t->mu);
		t->quit = 1;
		pthread_cond_broadcast(&t->cv_start);
		pthread_mutex_unlock(&t->mu);
		for (i = 1; i < t->n; i++)
			if (t->w[i].started)
				pthread_join(t->w[i].th, NULL);
		for (i = 0; i < t->n; i++) {
			free(t->w[i].obtained);
			free(t->w[i].bind_error);
		}
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv_start);
		pthread_cond_destroy(&t->cv_done);
	}
	if (t->caller_saved) {
		hwloc_set_cpubind(t->topo, t->caller_saved, HWLOC_CPUBIND_THREAD);
		hwloc_bitmap_free(t->caller_saved);
	}
	if (t->topo)
		hwloc_topology_destroy(t->topo);
	free(t->w);
	free(t);
}

int dlp_team_whole_cores(const dlp_team *t)
{
	return t ? t->whole : 0;
}

int dlp_team_size(const dlp_team *t)
{
	return t ? t->n : 1;
}

/* How long the run was held up by its threads' waits: a static split
 * waits for the thread that lost the most; a dynamic one's other threads
 * take over the work, so together they lose the mean, and a worker it
 * closed without lost all of it (after TEAM_WAKE_S: before, none). With
 * another task on one of two CPUs the 2-thread bf16 GEMM at 1024 ran most
 * samples on thread 0 alone, its worker never started, on the Zen 5 VM. */
static void add_held(dlp_team *t, int n, int dynamic)
{
	double most = 0, sum = 0, now = dlp_clock_s(CLOCK_MONOTONIC);
	int i;

	for (i = 0; i < n; i++) {
		if (i > 0 && t->w[i].ran != t->gen && now - t->started >= TEAM_WAKE_S)
			t->w[i].waited = now - t->started;
		most = t->w[i].waited > most ? t->w[i].waited : most;
		sum += t->w[i].waited;
		t->w[i].waited = 0;
	}
	t->held = (isnan(t->held) ? 0 : t->held) + (dynamic ? sum / n : most);
}

/* The tracked run's start: before the workers are woken, so a worker's
 * wait for its CPU counts from there. */
static void start_tracking(dlp_team *t, int n)
{
	t->run_track = t->track && n <= t->whole;
	if (t->run_track)
		t->started = dlp_clock_s(CLOCK_MONOTONIC);
}

static void team_run(dlp_team *t, int n, dlp_team_fn fn, void *arg, int dynamic)
{
	if (!t || n <= 1) {
		if (t) {
			start_tracking(t, 1);
			call_fn(t, &t->w[0], fn, arg, 1);
			if (t->run_track)
				add_held(t, 1, 0);
		} else {
			fn(arg, 0, 1);
		}
		return;
	}
	if (n > t->n)
		n = t->n;
	pthread_mutex_lock(&t->mu);
	t->fn = fn;
	t->arg = arg;
	t->run_n = n;
	t->dynamic = dynamic;
	t->closed = 0;
	t->pending = dynamic ? 0 : n - 1;
	atomic_store(&t->bar_count, 0);
	t->gen++;
	start_tracking(t, n);
	pthread_cond_broadcast(&t->cv_start);
	pthread_mutex_unlock(&t->mu);
	call_fn(t, &t->w[0], fn, arg, n);
	pthread_mutex_lock(&t->mu);
	/* A worker still asleep here never reads this run's fn and arg. */
	if (dynamic)
		t->closed = 1;
	while (t->pending > 0)
		pthread_cond_wait(&t->cv_done, &t->mu);
	if (t->run_track)
		add_held(t, n, dynamic);
	pthread_mutex_unlock(&t->mu);
}

void dlp_team_track_wait(dlp_team *t, int on)
{
	if (t) {
		t->track = on;
		t->held = NAN;
	}
}

double dlp_team_wait_s(dlp_team *t)
{
	double h = t ? t->held : NAN;

	if (t)
		t->held = NAN;
	return h;
}

void dlp_team_run(dlp_team *t, int n, dlp_team_fn fn, void *arg)
{
	team_run(t, n, fn, arg, 0);
}

void dlp_team_run_dynamic(dlp_team *t, int n, dlp_team_fn fn, void *arg)
{
	team_run(t, n, fn, arg, 1);
}

/* Spinning: the barrier sits between packing and computing inside a GEMM,
 * where a sleep/wake would cost more than the wait. The team never has more
 * threads than effective CPUs. */
void dlp_team_barrier(dlp_team *t)
{
	int gen, n;

	if (!t)
		return;
	n = t->run_n;
	if (n <= 1)
		return;
	gen = atomic_load(&t->bar_gen);
	if (atomic_fetch_add(&t->bar_count, 1) == n - 1) {
		atomic_store(&t->bar_count, 0);
		atomic_fetch_add(&t->bar_gen, 1);
	} else {
		while (atomic_load(&t->bar_gen) == gen)
			_mm_pause();
	}
}

json_t *dlp_team_binding_json(const dlp_team *t)
{
	json_t *arr = json_array();
	int i;

	if (!t)
		return arr;
	for (i = 0; i < t->n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "thread", json_integer(i));
		json_object_set_new(o, "pu", t->w[i].pu >= 0 ? json_integer(t->w[i].pu) : json_null());
		json_object_set_new(o, "cpuset", t->w[i].obtained ? json_string(t->w[i].obtained)
								 : json_null());
		json_object_set_new(o, "error", t->w[i].bind_error ? json_string(t->w[i].bind_error)
								   : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}
