# Counts visits in Redis: each GET / adds one and shows the total. Settings come from the environment.
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import redis

db = redis.Redis(host=os.environ.get("REDIS_HOST", "db"), port=6379,
                 password=os.environ.get("REDIS_PASSWORD"), socket_timeout=5)


class Counter(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":  # the healthcheck's: answers without counting
            self.reply(b"ok\n", "text/plain")
            return
        if self.path != "/":
            self.send_error(404)
            return
        try:
            visits = db.incr("visits")
        except redis.RedisError as e:
            self.send_error(503, f"database unavailable: {e}")
            return
        self.reply(f"<!doctype html><title>counter</title><h1>Visits: {visits}</h1>\n".encode(), "text/html; charset=utf-8")

    def reply(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        if self.path != "/health":
            print(f"{self.address_string()} {fmt % args}", flush=True)


# as PID 1 the default SIGTERM action does nothing: exit at once, so `down` need not wait 10 s to kill
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("counter listening on :8000", flush=True)
ThreadingHTTPServer(("0.0.0.0", 8000), Counter).serve_forever()
