// fork + _exit + waitpid as fast as possible for argv[1] seconds; prints
// the number of forks per second. The workload of the pipeline benchmark.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5.0;
  double start = now(), end = start + seconds;
  long forks = 0;
  while (now() < end) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    forks++;
  }
  printf("%.1f\n", forks / (now() - start));
  return 0;
}
