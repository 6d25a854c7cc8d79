/* skiff-pause: a pod sandbox's infrastructure process (the image skiff/pause:1, engine/runtime/pause-image.ts).
 * It holds the pod's network, IPC and UTS namespaces while the pod's containers come and go: it blocks
 * every signal but TERM, INT and CHLD, reaps children (it is PID 1 of a shared PID namespace when the pod
 * asks for one), and otherwise sleeps in pause(). TERM/INT end it at once (exit 0). Built static, so the
 * image is one file. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("skiff-pause 1");
    return 0;
  }
  sigset_t blocked;
  sigfillset(&blocked);
  sigdelset(&blocked, SIGTERM);
  sigdelset(&blocked, SIGINT);
  sigdelset(&blocked, SIGCHLD);
  sigprocmask(SIG_SETMASK, &blocked, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = quit;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  if (getpid() != 1) fprintf(stderr, "skiff-pause: not PID 1, reaping only our own children\n");
  for (;;) pause();
  return 1;
}
