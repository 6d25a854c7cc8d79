/* skiff-attach-relay: bridges conmon's attach socket (AF_UNIX SOCK_SEQPACKET, which Node cannot open)
 * to plain pipes. Usage: skiff-attach-relay [-n] SOCKET
 *   stdin  -> socket (raw bytes; EOF -> shutdown(SHUT_WR), so conmon closes the container's stdin)
 *   socket -> fd 1 (pipe id 2, stdout) or fd 2 (pipe id 3, stderr); the first byte of a packet is the pipe id
 *   -n     do not read stdin (an attachment without stdin must not close the container's stdin)
 * Once connected it writes one byte to fd 3 when that is open (the engine waits for it before
 * `runtime start`, so no output is lost). Connecting is retried while the socket does not exist yet.
 * Exits 0 when conmon closes the socket. Protocol: conmon src/conn_sock.c, src/ctr_stdio.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define STDIO_BUF_SIZE 8192 /* conmon's STDIO_BUF_SIZE: a packet is 1 id byte + at most this */
#define IN_CHUNK 8192       /* below conmon's CONN_SOCK_BUF_SIZE (32768), so no packet is truncated */
#define STDOUT_PIPE 2
#define STDERR_PIPE 3

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

/* connect through /proc/self/fd/N/NAME so paths longer than sun_path work, as conmon binds them */
static int connect_attach(const char *path) {
  char dir[4096], base[4096];
  snprintf(dir, sizeof dir, "%s", path);
  snprintf(base, sizeof base, "%s", path);
  int dfd = open(dirname(dir), O_PATH | O_CLOEXEC);
  if (dfd < 0) return -1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dfd, basename(base));
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&addr, sizeof addr);
  int saved = errno;
  close(dfd);
  if (rc < 0) {
    if (fd >= 0) close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int main(int argc, char **argv) {
  int use_stdin = 1, argi = 1;
  if (argi < argc && strcmp(argv[argi], "-n") == 0) use_stdin = 0, argi++;
  if (argi >= argc) {
    fprintf(stderr, "usage: skiff-attach-relay [-n] SOCKET\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int sock = -1;
  struct timespec pause = {0, 1000000}; /* 1 ms */
  for (int tries = 0; tries < 30000 && sock < 0; tries++) {
    sock = connect_attach(argv[argi]);
    if (sock < 0 && errno != ENOENT && errno != ECONNREFUSED && errno != ENOTDIR) break;
    if (sock < 0) nanosleep(&pause, NULL);
  }
  if (sock < 0) {
    fprintf(stderr, "skiff-attach-relay: connect %s: %s\n", argv[argi], strerror(errno));
    return 1;
  }
  if (fcntl(3, F_GETFD) >= 0) {
    (void)write(3, "", 1);
    close(3);
  }
  static char buf[STDIO_BUF_SIZE + 2];
  struct pollfd fds[2] = {{.fd = sock, .events = POLLIN}, {.fd = use_stdin ? 0 : -1, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].revents) {
      ssize_t n = recv(sock, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0;
      int out = buf[0] == STDERR_PIPE ? 2 : buf[0] == STDOUT_PIPE ? 1 : -1;
      if (out >= 0 && n > 1 && write_all(out, buf + 1, (size_t)n - 1) < 0) return 0;
    }
    if (fds[1].revents) {
      ssize_t n = read(0, buf, IN_CHUNK);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        shutdown(sock, SHUT_WR);
        fds[1].fd = -1;
      } else if (write_all(sock, buf, (size_t)n) < 0) {
        fds[1].fd = -1;
      }
    }
  }
}
