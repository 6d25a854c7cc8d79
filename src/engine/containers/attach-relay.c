/* skiff-attach-relay: bridges conmon's attach socket (AF_UNIX SOCK_SEQPACKET, which Node cannot open)
 * to plain pipes. Usage: skiff-attach-relay [-n|-t] SOCKET
 *   stdin  -> socket (raw bytes; EOF -> shutdown(SHUT_WR), so conmon closes the container's stdin)
 *   socket -> fd 1 (pipe id 2, stdout) or fd 2 (pipe id 3, stderr); the first byte of a packet is the pipe id
 *   -n     do not read stdin (an attachment without stdin must not close the container's stdin)
 *   -t     the process has a terminal: hold stdin until conmon's pty master is non-blocking (below)
 * Once connected it writes one byte to fd 3 when that is open (the engine waits for it before
 * `runtime start`, so no output is lost). Connecting is retried while the socket does not exist yet.
 * Exits 0 when conmon closes the socket. Protocol: conmon src/conn_sock.c, src/ctr_stdio.c, src/ctrl.c.
 *
 * The two directions never wait for each other. conmon writes output to us with a blocking write and,
 * while it does, forwards no stdin; it stops reading our packets while the container's stdin is full,
 * and the container stops reading stdin while its stdout (which conmon drains) is full. A relay that
 * blocked on sending stdin while conmon blocked on sending output would deadlock all four. So every fd
 * here is non-blocking, each direction holds at most one packet in flight, and poll() waits for
 * whichever side can move.
 *
 * Terminals (conmon 2.1.6): conmon makes the container's stdin non-blocking when it accepts an attach
 * connection, but a pty master only exists once the runtime has handed it over. An attachment made
 * before that (docker run -it attaches before start; exec -it must attach before the process runs)
 * leaves the master blocking for good, and conmon's write of our input into a full pty then stops its
 * whole event loop, output included: the container blocks writing output, stops reading input, and
 * nothing moves again. So with -t the relay reads no stdin until the master (an fd of conmon's, found
 * through SO_PEERCRED and /proc) is non-blocking; if it is blocking once it exists, a second, idle
 * connection makes conmon set it (that connection stays open and its copy of the output is dropped:
 * closing it would close the stdin of an exec). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* conmon recvfrom()s CONN_SOCK_BUF_SIZE - 1 = 32767 bytes and SOCK_SEQPACKET silently drops the rest of a
 * longer packet: stay well below it */
#define IN_CHUNK 16384
/* conmon sends 1 id byte + at most STDIO_BUF_SIZE (8192); room for more, so a packet is never cut */
#define OUT_BUF 65536
#define STDOUT_PIPE 2
#define STDERR_PIPE 3

static void set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  /* never flip a terminal someone else shares (the relay run by hand) */
  if (fl < 0 || isatty(fd)) return;
  (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
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

enum console { CONSOLE_NONE, CONSOLE_BLOCKING, CONSOLE_READY, CONSOLE_UNKNOWN };

/* conmon's pty master: not there yet, there but blocking, non-blocking, or out of our sight */
static enum console console_state(pid_t conmon) {
  char path[320], link[256];
  snprintf(path, sizeof path, "/proc/%d/fd", (int)conmon);
  DIR *d = opendir(path);
  if (!d) return CONSOLE_UNKNOWN;
  enum console st = CONSOLE_NONE;
  struct dirent *e;
  while (st == CONSOLE_NONE && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/%d/fd/%s", (int)conmon, e->d_name);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 4) continue;
    link[n] = 0;
    if (strcmp(link + n - 4, "ptmx") != 0) continue;
    snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", (int)conmon, e->d_name);
    FILE *f = fopen(path, "re");
    st = CONSOLE_UNKNOWN;
    if (!f) break;
    char line[128];
    while (fgets(line, sizeof line, f)) {
      if (strncmp(line, "flags:", 6) == 0) {
        unsigned long flags = strtoul(line + 6, NULL, 8);
        st = flags & O_NONBLOCK ? CONSOLE_READY : CONSOLE_BLOCKING;
        break;
      }
    }
    fclose(f);
  }
  closedir(d);
  return st;
}

/* output from conmon waiting for our stdout/stderr: one packet at a time, so input never waits on it */
struct pending {
  char buf[OUT_BUF];
  size_t off, len;
  int fd;
  int dead[3]; /* a reader of ours went away: drop what was meant for it */
};

/* write what is pending; a reader that is gone loses its data, the other stream goes on */
static void flush_out(struct pending *o) {
  ssize_t w = write(o->fd, o->buf + o->off, o->len);
  if (w > 0) {
    o->off += (size_t)w;
    o->len -= (size_t)w;
  } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
    o->dead[o->fd] = 1;
    o->len = 0;
  }
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  int use_stdin = 1, tty = 0, argi = 1;
  for (; argi < argc && argv[argi][0] == '-' && argv[argi][1]; argi++) {
    if (strcmp(argv[argi], "-n") == 0) use_stdin = 0;
    else if (strcmp(argv[argi], "-t") == 0) tty = 1;
    else break;
  }
  if (argi >= argc) {
    fprintf(stderr, "usage: skiff-attach-relay [-n|-t] SOCKET\n");
    return 2;
  }
  const char *sock_path = argv[argi];
  signal(SIGPIPE, SIG_IGN);
  int sock = -1;
  struct timespec pause = {0, 1000000}; /* 1 ms */
  for (int tries = 0; tries < 30000 && sock < 0; tries++) {
    sock = connect_attach(sock_path);
    if (sock < 0 && errno != ENOENT && errno != ECONNREFUSED && errno != ENOTDIR) break;
    if (sock < 0) nanosleep(&pause, NULL);
  }
  if (sock < 0) {
    fprintf(stderr, "skiff-attach-relay: connect %s: %s\n", sock_path, strerror(errno));
    return 1;
  }
  if (fcntl(3, F_GETFD) >= 0) {
    (void)write(3, "", 1);
    close(3);
  }
  set_nonblocking(sock);
  if (use_stdin) set_nonblocking(0);
  set_nonblocking(1);
  set_nonblocking(2);

  /* -t: stdin waits for a non-blocking pty master */
  pid_t conmon = 0;
  int console_wait = use_stdin && tty;
  if (console_wait) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid > 0) conmon = cred.pid;
    else console_wait = 0;
  }
  int nudge = -1; /* the second connection that makes conmon set O_NONBLOCK */
  long long next_check = 0;
  static char scratch[OUT_BUF];

  /* stdin -> socket: one packet waiting to be sent (a SEQPACKET send is all or nothing) */
  static char in_buf[IN_CHUNK];
  size_t in_len = 0;
  int in_open = use_stdin; /* still reading stdin */
  int sock_wr_open = 1;    /* our write side is not shut down yet */
  /* socket -> stdout/stderr: the rest of one packet waiting to be written */
  static struct pending out = {.fd = -1};

  for (;;) {
    if (console_wait && now_ms() >= next_check) {
      enum console st = console_state(conmon);
      if (st == CONSOLE_READY || st == CONSOLE_UNKNOWN) {
        console_wait = 0;
      } else if (st == CONSOLE_BLOCKING && nudge < 0) {
        /* conmon accepts it in a later turn of its loop than the one that took the console */
        nudge = connect_attach(sock_path);
        if (nudge < 0) console_wait = 0;
        else set_nonblocking(nudge);
      }
      next_check = now_ms() + 2;
    }
    /* stdin ended and everything read was sent: tell conmon (it closes the container's stdin) */
    if (use_stdin && !in_open && in_len == 0 && sock_wr_open) {
      shutdown(sock, SHUT_WR);
      sock_wr_open = 0;
    }
    struct pollfd fds[4] = {
        {.fd = sock, .events = (short)((out.len == 0 ? POLLIN : 0) | (in_len > 0 ? POLLOUT : 0))},
        {.fd = in_open && in_len == 0 && !console_wait ? 0 : -1, .events = POLLIN},
        {.fd = out.len > 0 ? out.fd : -1, .events = POLLOUT},
        {.fd = nudge, .events = POLLIN},
    };
    if (fds[0].events == 0) fds[0].fd = -1;
    if (poll(fds, 4, console_wait ? 2 : -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }

    /* the nudge connection gets a copy of the output: drop it, so conmon never waits on it */
    if (fds[3].revents) {
      ssize_t n = recv(nudge, scratch, sizeof scratch, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close(nudge);
        nudge = -2; /* gone: not reopened */
      }
    }
    /* output first: it is what keeps conmon (and so the container) moving */
    if (fds[2].revents && out.len > 0) flush_out(&out);
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR) && out.len == 0) {
      ssize_t n = recv(sock, out.buf, sizeof out.buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return 0; /* conmon is done */
      if (n > 1) {
        out.fd = out.buf[0] == STDERR_PIPE ? 2 : out.buf[0] == STDOUT_PIPE ? 1 : -1;
        if (out.fd >= 0 && !out.dead[out.fd]) {
          out.off = 1;
          out.len = (size_t)n - 1;
          /* most of the time the pipe has room: skip a poll round */
          flush_out(&out);
        }
      }
    }
    if (fds[0].revents & (POLLOUT | POLLHUP | POLLERR) && in_len > 0) {
      ssize_t w = send(sock, in_buf, in_len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (w >= 0) {
        in_len = 0;
      } else if (errno != EAGAIN && errno != EINTR && errno != ENOBUFS) {
        /* conmon no longer takes input (the container's stdin is closed): keep draining ours */
        in_len = 0;
        sock_wr_open = 0;
      }
    }
    if (fds[1].revents && in_len == 0) {
      ssize_t n = read(0, in_buf, sizeof in_buf);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        in_open = 0;
      } else if (n > 0 && sock_wr_open) {
        in_len = (size_t)n;
        /* most of the time the socket has room: skip a poll round */
        ssize_t w = send(sock, in_buf, in_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w >= 0) {
          in_len = 0;
        } else if (errno != EAGAIN && errno != EINTR && errno != ENOBUFS) {
          in_len = 0;
          sock_wr_open = 0;
        }
      }
    }
  }
}
