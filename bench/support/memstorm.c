// The memory-compaction storm of bench/flood.ts, one role per process, each
// ending by itself after SECONDS and with its parent (PR_SET_PDEATHSIG):
//
//   memstorm hold MIB SECONDS       maps and touches MIB, gives back every other
//                                   page and holds the rest: free memory in
//                                   single pages between used ones, which
//                                   compaction has to migrate to make order>0
//   memstorm churn MIB SECONDS      maps, touches, madvise(MADV_DONTNEED)s and
//                                   unmaps MIB, over and over: per-CPU page
//                                   lists filled and drained
//   memstorm compact MS SECONDS     writes 1 to /proc/sys/vm/compact_memory
//                                   every MS ms (a trigger, nothing to restore)
//
// Each prints its count so far after every pass or compaction ("12 passes"),
// so that one stopped early still says what it did.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *map(size_t bytes) {
  char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  // 4 KiB pages whatever the THP setting: one huge page would not fragment
  madvise(p, bytes, MADV_NOHUGEPAGE);
  return p;
}

static void touch(char *p, size_t bytes, long page) {
  for (size_t at = 0; at < bytes; at += page) p[at] = 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: memstorm hold|churn MIB SECONDS, or memstorm compact MS SECONDS\n");
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const char *role = argv[1];
  long n = atol(argv[2]);
  double end = now() + atof(argv[3]);
  long page = sysconf(_SC_PAGESIZE);
  if (strcmp(role, "hold") == 0) {
    size_t bytes = (size_t)n << 20;
    char *p = map(bytes);
    touch(p, bytes, page);
    for (size_t at = 0; at < bytes; at += 2 * page) madvise(p + at, page, MADV_DONTNEED);
    printf("held %ld MiB, every other page\n", n / 2);
    fflush(stdout);
    while (now() < end) usleep(100 * 1000);
  } else if (strcmp(role, "churn") == 0) {
    size_t bytes = (size_t)n << 20;
    long passes = 0;
    while (now() < end) {
      char *p = map(bytes);
      touch(p, bytes, page);
      madvise(p, bytes, MADV_DONTNEED);
      munmap(p, bytes);
      printf("%ld passes\n", ++passes);
      fflush(stdout);
    }
  } else if (strcmp(role, "compact") == 0) {
    long compactions = 0;
    while (now() < end) {
      int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
      if (fd < 0 || write(fd, "1", 1) != 1) {
        perror("compact_memory");
        return 1;
      }
      close(fd);
      printf("%ld compactions\n", ++compactions);
      fflush(stdout);
      usleep(n * 1000);
    }
  } else {
    fprintf(stderr, "memstorm: unknown role %s\n", role);
    return 2;
  }
  return 0;
}
