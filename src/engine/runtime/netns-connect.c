/* skiff-netns-connect: a TCP connection opened inside a network namespace, relayed over stdin/stdout
 * (Node cannot setns). Usage: skiff-netns-connect NETNS_PATH PORT — joins the namespace (a pod
 * sandbox's /run/netns/skiff-<id>), connects to 127.0.0.1:PORT, writes one byte "\n" to fd 3 when that
 * is open once connected (the caller waits for it: a refused connection is an exit before it), then
 * copies stdin -> socket and socket -> stdout until both directions end. stdin's EOF half-closes the
 * socket (shutdown SHUT_WR); the socket's EOF closes stdout. Exit 0 after a clean end, 1 when the
 * connection could not be made (the reason on stderr), 2 on bad usage. Used by engine/runtime's
 * portForward (kubectl port-forward). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int copy(int from, int to) {
  char buf[65536];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : -1;
  if (n == 0) return 0;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, (size_t)(n - off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    off += w;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: skiff-netns-connect NETNS_PATH PORT\n");
    return 2;
  }
  int port = atoi(argv[2]);
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "skiff-netns-connect: bad port %s\n", argv[2]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int ns = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
    fprintf(stderr, "skiff-netns-connect: entering %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  close(ns);
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fprintf(stderr, "skiff-netns-connect: connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
    return 1;
  }
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fcntl(3, F_GETFD) >= 0) {
    (void)!write(3, "\n", 1);
    close(3);
  }
  int in_open = 1, out_open = 1;
  while (in_open || out_open) {
    struct pollfd p[2] = {{.fd = in_open ? 0 : -1, .events = POLLIN}, {.fd = out_open ? s : -1, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (in_open && p[0].revents) {
      int r = copy(0, s);
      if (r <= 0) {
        in_open = 0;
        shutdown(s, SHUT_WR);
      }
    }
    if (out_open && p[1].revents) {
      int r = copy(s, 1);
      if (r <= 0) {
        out_open = 0;
        close(1);
        /* the peer is done: whatever stdin still brings has nowhere to go */
        if (r < 0 || !in_open) break;
      }
    }
  }
  return 0;
}
