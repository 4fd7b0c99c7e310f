/* libpayup from C: payup_client_call with the `payup call` documents, sequential, one client.
 * usage: c_payup CONFIG_FILE [CALLS [WARMUP]]; prints one JSON line like every bench/run driver.
 * BENCH_CONCURRENCY=N (N > 1): N pthreads share the timed calls on the one client ("c-library@N").
 * BENCH_PAIRED=1: batches on demand for bench/paired.py: `ready`, then per line on stdin CALLS timed calls and
 * `batch SECONDS`; the report line covers every timed call (bench/README.md, "How the ratios are measured"). */
#include "payup.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    long n;
    char *s;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) { free(s); s = NULL; }
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

static void approve(const payup_client *client, int i) {
    char req[512], *out = NULL;
    snprintf(req, sizeof req,
             "{\"order_number\":\"BC%d\",\"card_no\":\"4111111111111111\",\"expire_month\":\"12\",\"expire_year\":\"30\","
             "\"birthday\":\"890302\",\"card_pw\":\"12\",\"amount\":1004,\"quota\":0,"
             "\"item_name\":\"\xeb\xb2\xa4\xec\xb9\x98 \xec\x83\x81\xed\x92\x88\",\"user_name\":\"\xed\x99\x8d\xea\xb8\xb8\xeb\x8f\x99\"}",
             i);
    payup_result rc = payup_client_call(client, "payup.keyin.approve", req, &out);
    if (rc != PAYUP_OK || !out || !strstr(out, "\"amount\":1004")) {
        fprintf(stderr, "not approved: %d\n", (int)rc);
        exit(1);
    }
    payup_string_free(out);
}

struct caller {
    const payup_client *client;
    int first, count;
    double *lat; /* count entries */
};

static void *caller_run(void *arg) {
    struct caller *c = arg;
    int i;
    for (i = 0; i < c->count; i++) {
        double t = now_ns();
        approve(c->client, c->first + i);
        c->lat[i] = now_ns() - t;
    }
    return NULL;
}

int main(int argc, char **argv) {
    char *config, *err = NULL;
    payup_client *client = NULL;
    int calls = argc > 2 ? atoi(argv[2]) : 3000, warmup = argc > 3 ? atoi(argv[3]) : 300, i, threads, per;
    char name[32] = "c-library";
    double *lat, start, total;
    if (argc < 2 || !(config = slurp(argv[1]))) {
        fprintf(stderr, "usage: c_payup CONFIG_FILE [CALLS [WARMUP]]\n");
        return 2;
    }
    if (payup_client_new(config, &client, &err) != PAYUP_OK) {
        fprintf(stderr, "config rejected\n");
        return 1;
    }
    for (i = 0; i < warmup; i++) approve(client, i);
    {
        const char *env = getenv("BENCH_CONCURRENCY");
        threads = env ? atoi(env) : 1;
        if (threads < 1) threads = 1;
        if (threads > 256) threads = 256;
    }
    if (threads == 1 && getenv("BENCH_PAIRED") && strcmp(getenv("BENCH_PAIRED"), "1") == 0) {
        char go[64];
        int batch = calls, done = 0, cap = batch * 16;
        lat = malloc(sizeof(double) * (size_t)cap);
        total = 0;
        printf("ready\n");
        fflush(stdout);
        while (fgets(go, sizeof go, stdin)) {
            double b = now_ns(), s;
            if (done + batch > cap) {
                cap *= 2;
                lat = realloc(lat, sizeof(double) * (size_t)cap);
                if (!lat) return 1;
            }
            for (i = 0; i < batch; i++) {
                double t = now_ns();
                approve(client, warmup + done + i);
                lat[done + i] = now_ns() - t;
            }
            s = (now_ns() - b) / 1e9;
            total += s;
            done += batch;
            printf("batch %f\n", s);
            fflush(stdout);
        }
        calls = done;
        goto report;
    }
    per = (calls + threads - 1) / threads;
    calls = per * threads;
    lat = malloc(sizeof(double) * (size_t)calls);
    start = now_ns();
    if (threads == 1) {
        for (i = 0; i < calls; i++) {
            double t = now_ns();
            approve(client, warmup + i);
            lat[i] = now_ns() - t;
        }
    } else {
        pthread_t tids[256];
        struct caller callers[256];
        for (i = 0; i < threads; i++) {
            callers[i] = (struct caller){client, warmup + i * per, per, lat + (size_t)i * (size_t)per};
            if (pthread_create(&tids[i], NULL, caller_run, &callers[i]) != 0) {
                fprintf(stderr, "pthread_create failed\n");
                return 1;
            }
        }
        for (i = 0; i < threads; i++) pthread_join(tids[i], NULL);
        snprintf(name, sizeof name, "c-library@%d", threads);
    }
    total = (now_ns() - start) / 1e9;
report:
    qsort(lat, (size_t)calls, sizeof(double), cmp);
#define PCT(p) (lat[(int)((calls * (p) + 99) / 100) - 1] / 1e3)
    printf("{\"name\":\"%s\",\"calls\":%d,\"seconds\":%f,\"per_second\":%f,\"p50_us\":%f,\"p99_us\":%f,"
           "\"rss_kb\":%ld}\n",
           name, calls, total, calls / total, PCT(50), PCT(99), peak_rss_kb());
    payup_client_free(client);
    free(lat);
    free(config);
    return 0;
}
