/* The best durable produce latency this machine's disk allows: a writer thread appends 1,100-byte records
 * at a fixed rate (the 10 MB/s latency benchmark's pace) while a flusher thread runs fdatasync back to back
 * on the same file — a group commit with no overhead at all. A record's latency is the time from its write
 * to the end of the first fdatasync that started after it. With "prealloc", the records overwrite a file
 * zero-filled and synced beforehand (no size change, so no journal commit per fdatasync) instead of
 * appending. Usage: group-commit-bound RATE SECONDS [DIR] [prealloc] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_WRITES 4000000
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
static int fd, rate, prealloc;
static atomic_int stop;
static double *written;
static long nwritten;

static void *writer(void *arg) {
  (void)arg;
  char rec[1100];
  memset(rec, 'r', sizeof rec);
  double t0 = now_ms();
  long i = 0;
  while (!atomic_load(&stop) && i < MAX_WRITES) {
    double due = t0 + i * 1000.0 / rate;
    while (now_ms() < due) usleep(0);
    ssize_t n = prealloc ? pwrite(fd, rec, sizeof rec, (off_t)i * sizeof rec) : write(fd, rec, sizeof rec);
    if (n != (ssize_t)sizeof rec) { perror("write"); exit(1); }
    written[i++] = now_ms();
  }
  nwritten = i;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s RATE SECONDS [DIR]\n", argv[0]); return 2; }
  rate = atoi(argv[1]);
  int seconds = atoi(argv[2]);
  char path[4096];
  snprintf(path, sizeof path, "%s/group-commit-bound.%d", argc > 3 ? argv[3] : ".", (int)getpid());
  prealloc = argc > 4 && strcmp(argv[4], "prealloc") == 0;
  fd = open(path, O_CREAT | O_RDWR | O_TRUNC | (prealloc ? 0 : O_APPEND), 0644);
  if (fd < 0) { perror("open"); return 1; }
  if (prealloc) {
    static char zeros[1 << 20];
    for (long off = 0, size = (long)rate * 1100 * (seconds + 2); off < size; off += sizeof zeros)
      if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros) { perror("write"); return 1; }
    fsync(fd);
  }
  written = malloc(sizeof(double) * MAX_WRITES);
  int cap = 1000000, n = 0;
  double *start = malloc(sizeof(double) * cap), *end = malloc(sizeof(double) * cap);
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  double until = now_ms() + seconds * 1000.0;
  while (now_ms() < until && n < cap) { start[n] = now_ms(); fdatasync(fd); end[n] = now_ms(); n++; }
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  unlink(path);

  double *lat = malloc(sizeof(double) * nwritten), fsync_sum = 0, sum = 0;
  long m = 0;
  for (long i = 0, j = 0; i < nwritten; i++) {
    while (j < n && start[j] < written[i]) j++;
    if (j >= n) break;
    lat[m++] = end[j] - written[i];
  }
  for (int i = 0; i < n; i++) fsync_sum += end[i] - start[i];
  qsort(lat, m, sizeof(double), cmp);
  for (long i = 0; i < m; i++) sum += lat[i];
  printf("%d fdatasync, mean %.3f ms | ideal group-commit latency of %ld records: mean %.3f ms, p50 %.3f, p90 %.3f, p99 %.3f\n",
         n, fsync_sum / n, m, sum / m, lat[m / 2], lat[m * 9 / 10], lat[m * 99 / 100]);
  return 0;
}
