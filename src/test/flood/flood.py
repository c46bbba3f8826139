#!/usr/bin/env python3
"""Floods the packaged kmodd as a new user's worst neighbour would, from 127.0.0.1 only, and measures it.

Starts the daemon from target/quarkus-app as systemd/kmodd.service starts it (its JVM options, so -Xmx128m and
the other caps are the unit's; its Environment=; the build's archive), on a free loopback port, with a journal
that a month of flapping modules left behind. Then: failed authentications, oversized bodies (chunked and with Content-Length), thousands of
distinct module names, slow heads (slowloris), idle keep-alive connections, and concurrent clients. It
records the answers, the p99, and the daemon's RSS, threads and descriptors before and after each phase,
the log's growth, and then restarts the daemon with SIGTERM to check that job ids still answer. Every loop
is bounded in count and time. Prints one JSON document (also written to --out).
"""
import argparse, http.client, json, os, random, re, resource, signal, socket, subprocess, sys, tempfile
import time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


sys.path.insert(0, os.path.join(ROOT, "src", "test", "pylib"))
from kmodd_unit import unit_jvm  # noqa: E402
from loopback_http import codes, free_port, many, open_sockets, p99, request  # noqa: E402
from waits import until  # noqa: E402

# As the unit starts it: its JVM options and Environment=, with the build's class-data-sharing archive in place
# of the installed one (the archive names the jar relative to target/quarkus-app, where the daemon starts).
APP = os.path.join(ROOT, "target", "quarkus-app")
JVM, JVM_ENV = unit_jvm(ROOT, "app-cds.jsa" if os.path.exists(os.path.join(APP, "app-cds.jsa")) else None)
if not any(o.startswith("-XX:SharedArchiveFile=") for o in JVM):
    print("flood: no target/quarkus-app/app-cds.jsa (./mvnw package makes it); kmodd starts without an archive",
          file=sys.stderr)


def v7(ms):
    r = random.getrandbits(74)
    hi = (ms << 16) | 0x7000 | (r >> 62 & 0xfff)
    lo = (r & ((1 << 62) - 1)) | (1 << 63)
    return str(uuid.UUID(int=(hi << 64) | lo))


def write_journal(path, mbytes):
    """Job records as kmodd writes them, for flapping unloads with long histories, until the file has mbytes."""
    start = int(time.time() * 1000) - 30 * 86400 * 1000
    ids, n = [], 0
    with open(path, "w") as f:
        while f.tell() < mbytes << 20:
            ms = start + n * 1000
            at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))
            jid = v7(ms)
            events = [{"seq": i + 1, "at": at, "type": "refcnt" if i else "queued", "state": "waiting",
                       "message": "refcnt of loop is %d" % (i % 2), "data": {"refcnt": i % 2}} for i in range(200)]
            rec = {"id": jid, "module": "loop", "operation": "unload", "state": "failed", "requests": 1,
                   "createdAt": at, "startedAt": at, "finishedAt": at,
                   "error": {"errno": None, "reason": "timeout", "detail": "still in use: refcnt 1 after 10s"},
                   "outcome": "still in use", "alreadyLoaded": False, "params": {}, "parentId": None, "events": events}
            f.write(json.dumps(rec) + "\n")
            ids.append(jid)
            n += 1
    return ids, n


class Daemon:
    def __init__(self, work, port, token_file, journal, log):
        self.cmd = ["java"] + JVM + [
            "-Dquarkus.http.port=%d" % port, "-Dkmodd.auth.tokens-file=" + token_file,
            "-Dkmodd.jobs.journal=" + journal, "-Dkmodd.persistence.modules-load-file=" + work + "/ml.conf",
            "-Dkmodd.persistence.modprobe-file=" + work + "/mp.conf", "-jar", "quarkus-run.jar"]
        self.port, self.log, self.proc = port, log, None

    def start(self):
        """Starts the daemon and returns the seconds until it answered its liveness check (at most 120)."""
        t0 = time.time()
        self.proc = subprocess.Popen(self.cmd, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     cwd=APP, env=dict(os.environ, **JVM_ENV))
        try:
            until("kmodd to answer /q/health/live (its log: %s)" % self.log, self.live, 120, every_s=0.2)
        except TimeoutError as e:
            raise SystemExit("kmodd did not start: %s" % e)
        return time.time() - t0

    def live(self):
        if self.proc.poll() is not None:
            raise SystemExit("kmodd exited with %s before it was ready; see %s" % (self.proc.returncode, self.log))
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/q/health/live")
            return c.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False

    def stop(self):
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        return time.time() - t0

    def stats(self):
        pid = self.proc.pid
        st = open("/proc/%d/status" % pid).read()
        rss = int(re.search(r"VmRSS:\s+(\d+)", st).group(1)) // 1024
        threads = int(re.search(r"Threads:\s+(\d+)", st).group(1))
        return {"rssMiB": rss, "threads": threads, "fds": len(os.listdir("/proc/%d/fd" % pid))}


def log_lines(log, since):
    with open(log, "rb") as f:
        f.seek(since)
        return f.read().decode("utf-8", "replace").splitlines()


class Flood:
    """The floods, one method each, against a started daemon; each phase records the daemon's figures before and
    after it and what it wrote to its log meanwhile."""

    def __init__(self, daemon, token, scale, head_timeout):
        self.d, self.port, self.token, self.scale, self.head_timeout = daemon, daemon.port, token, scale, head_timeout
        self.phases = {}

    def run(self):
        for name, fn in (("failedAuth", self.failed_auth), ("oversized", self.oversized),
                         ("distinctNames", self.distinct_names), ("slowloris", self.slowloris),
                         ("idleConnections", self.idle_connections), ("concurrentClients", self.concurrent_clients)):
            self.phase(name, fn)
        return self.phases

    def phase(self, name, fn):
        log = self.d.log
        before, mark, t0 = self.d.stats(), os.path.getsize(log), time.time()
        out = fn()
        time.sleep(0.5)
        lines = log_lines(log, mark)
        out.update({"seconds": round(time.time() - t0, 1), "before": before, "after": self.d.stats(),
                    "logBytes": os.path.getsize(log) - mark,
                    "auditLines": sum(1 for l in lines if '"audit":"kmodd"' in l),
                    "errorLines": sum(1 for l in lines if " ERROR " in l),
                    "stackTraceLines": sum(1 for l in lines if l.startswith("\tat "))})
        self.phases[name] = out

    def failed_auth(self):
        """Requests with no token or a wrong one: every one a 401."""
        n = int(20000 * self.scale)
        rs = many(self.port, n, 16, lambda c, i: request(self.port, "POST", "/modules/loop/unload",
                                                            None if i % 2 else "wrong-" + str(i), conn=c)[:2])
        return {"requests": n, "codes": codes(x[0] for x in rs), "p99ms": p99([x[1] for x in rs])}

    def oversized(self):
        """Bodies over the limit, half with Content-Length and half chunked."""
        n = max(2, int(200 * self.scale))
        big = b'{"params":{"a":"' + b"x" * (70 * 1024) + b'"}}'
        cs = []
        for i in range(n):
            if i % 2:
                cs.append(request(self.port, "POST", "/modules/loop/load", self.token, big,
                                  {"Content-Type": "application/json"})[0])
            else:
                cs.append(self.chunked_body(10 * 8192))
        return {"requests": n, "codes": codes(cs)}

    def chunked_body(self, size):
        """The status a chunked load body of size bytes gets, or "closed" if the server closed first."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(("POST /modules/loop/load HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % self.token).encode())
        try:
            for _ in range(size // 8192):
                s.sendall(b"2000\r\n" + b"x" * 8192 + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        head = s.recv(12).decode(errors="replace")
        s.close()
        return int(head[9:12]) if head.startswith("HTTP/1.1 ") else "closed"

    def distinct_names(self):
        """Loads of thousands of names no module has: every one a 404, and no memory kept per name."""
        n = int(5000 * self.scale)
        rs = many(self.port, n, 16, lambda c, i: request(self.port, "POST", "/modules/nosuch%d/load" % i,
                                                            self.token, conn=c)[:2])
        return {"requests": n, "codes": codes(x[0] for x in rs), "p99ms": p99([x[1] for x in rs])}

    def held_then_left(self, socks):
        """The daemon's figures while the sockets are held, and how many it left open past the head timeout."""
        time.sleep(0.5)
        peak = self.d.stats()
        time.sleep(self.head_timeout + 3)
        left = open_sockets(socks)
        for s in socks:
            s.close()
        return peak, left

    def slowloris(self):
        """Connections that send half a request line and then nothing."""
        n = int(1000 * self.scale)
        socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            s.sendall(b"GET /modu")
            socks.append(s)
        peak, left = self.held_then_left(socks)
        return {"sockets": n, "peakFds": peak["fds"], "openAfterHeadTimeout": left}

    def idle_connections(self):
        """Connections that make one request and then stay open, idle."""
        n = int(3000 * self.scale)
        socks, answered = [], 0
        for _ in range(n):
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                s.sendall(b"GET /q/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    answered += 1
                socks.append(s)
            except OSError:
                pass
        peak, left = self.held_then_left(socks)
        return {"connections": n, "answered": answered, "peakFds": peak["fds"], "openAfterHeadTimeout": left}

    def concurrent_clients(self):
        """Many clients at once, each reading the module list and a page of jobs ten times."""
        n = max(20, int(200 * self.scale))
        rs = many(self.port, n * 10, n, lambda c, i: request(self.port, "GET", "/modules" if i % 2 else "/jobs?limit=20",
                                                               self.token, conn=c)[:2])
        return {"clients": n, "requests": n * 10, "codes": codes(x[0] for x in rs), "p99ms": p99([x[1] for x in rs])}


def tokens_file(work, token):
    """A tokens file with the flood's operator token and an admin nobody uses, readable by its owner only."""
    tf = os.path.join(work, "tokens")
    with open(tf, "w") as f:
        f.write("ops operator %s\nroot admin admin-%s\n" % (token, uuid.uuid4().hex))
    os.chmod(tf, 0o600)
    return tf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--journal-mb", type=int, default=50)
    ap.add_argument("--head-timeout", type=float, default=10.0)
    ap.add_argument("--out")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="kmodd-flood-")
    token = "flood-" + uuid.uuid4().hex
    journal, log = os.path.join(work, "jobs.jsonl"), os.path.join(work, "kmodd.log")
    ids, written = write_journal(journal, a.journal_mb)
    res = {"scale": a.scale, "jvm": JVM, "jvmEnv": JVM_ENV,
           "journalBefore": {"MiB": round(os.path.getsize(journal) / 2**20, 1), "records": written}}
    port = free_port()
    d = Daemon(work, port, tokens_file(work, token), journal, log)
    res["startSeconds"] = round(d.start(), 2)
    res["journalAfterStart"] = {"MiB": round(os.path.getsize(journal) / 2**20, 2)}
    st, dt, body, r = request(port, "GET", "/jobs", token)
    res["firstJobsPage"] = {"status": st, "ms": round(dt * 1000, 1), "jobs": len(json.loads(body)),
                            "next": r.getheader("Link") is not None}
    res["idle"] = d.stats()
    res["phases"] = Flood(d, token, a.scale, a.head_timeout).run()
    res["stopSeconds"] = round(d.stop(), 2)
    res["restartSeconds"] = round(d.start(), 2)
    res["idsAfterRestart"] = codes(request(port, "GET", "/jobs/" + i, token)[0] for i in ids[-10:])
    res["forgottenIdAfterRestart"] = request(port, "GET", "/jobs/" + ids[0], token)[0]
    res["journalAfterRestart"] = {"MiB": round(os.path.getsize(journal) / 2**20, 2)}
    res["final"] = d.stats()
    d.stop()
    res["log"] = log
    text = json.dumps(res, indent=2)
    if a.out:
        open(a.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
