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
import threading, time, uuid
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


sys.path.insert(0, os.path.join(ROOT, "src", "test", "pylib"))
from kmodd_unit import unit_jvm  # noqa: E402

# As the unit starts it: its JVM options and Environment=, with the build's class-data-sharing archive in place
# of the installed one (the archive names the jar relative to target/quarkus-app, where the daemon starts).
APP = os.path.join(ROOT, "target", "quarkus-app")
JVM, JVM_ENV = unit_jvm(ROOT, "app-cds.jsa" if os.path.exists(os.path.join(APP, "app-cds.jsa")) else None)
if not any(o.startswith("-XX:SharedArchiveFile=") for o in JVM):
    print("flood: no target/quarkus-app/app-cds.jsa (./mvnw package makes it); kmodd starts without an archive",
          file=sys.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        t0 = time.time()
        self.proc = subprocess.Popen(self.cmd, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     cwd=APP, env=dict(os.environ, **JVM_ENV))
        while time.time() - t0 < 120:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/q/health/live")
                if c.getresponse().status == 200:
                    return time.time() - t0
            except OSError:
                time.sleep(0.2)
        raise SystemExit("kmodd did not start; see " + self.log)

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


def request(port, method, path, token=None, body=None, headers=None, conn=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t0 = time.perf_counter()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, time.perf_counter() - t0, data, r


def p99(xs):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000, 1) if xs else None


def codes(cs):
    out = {}
    for c in cs:
        out[str(c)] = out.get(str(c), 0) + 1
    return out


def many(port, n, workers, one):
    """Runs one(conn, i) n times on workers threads, each with its own keep-alive connection."""
    results, lock = [], threading.Lock()

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(k, n, workers):
            try:
                r = one(conn, i)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                r = ("error", 0)
            with lock:
                results.append(r)
    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(worker, range(workers)))
    return results


def open_sockets(socks):
    """How many of the sockets the server has not closed: read what is waiting, then look for the end."""
    n = 0
    for s in socks:
        s.setblocking(False)
        try:
            while s.recv(65536):
                pass
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def log_lines(log, since):
    with open(log, "rb") as f:
        f.seek(since)
        return f.read().decode("utf-8", "replace").splitlines()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--journal-mb", type=int, default=50)
    ap.add_argument("--head-timeout", type=float, default=10.0)
    ap.add_argument("--out")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    S = a.scale
    work = tempfile.mkdtemp(prefix="kmodd-flood-")
    token = "flood-" + uuid.uuid4().hex
    tf = os.path.join(work, "tokens")
    with open(tf, "w") as f:
        f.write("ops operator %s\nroot admin admin-%s\n" % (token, uuid.uuid4().hex))
    os.chmod(tf, 0o600)
    journal, log = os.path.join(work, "jobs.jsonl"), os.path.join(work, "kmodd.log")
    ids, written = write_journal(journal, a.journal_mb)
    res = {"scale": S, "jvm": JVM, "jvmEnv": JVM_ENV, "journalBefore": {"MiB": round(os.path.getsize(journal) / 2**20, 1),
                                                                  "records": written}}
    port = free_port()
    d = Daemon(work, port, tf, journal, log)
    res["startSeconds"] = round(d.start(), 2)
    res["journalAfterStart"] = {"MiB": round(os.path.getsize(journal) / 2**20, 2)}
    kept = [i for i in ids[-50:]]
    st, dt, body, r = request(port, "GET", "/jobs", token)
    res["firstJobsPage"] = {"status": st, "ms": round(dt * 1000, 1), "jobs": len(json.loads(body)),
                            "next": r.getheader("Link") is not None}
    res["idle"] = d.stats()
    phases = {}

    def phase(name, fn):
        before, mark, t0 = d.stats(), os.path.getsize(log), time.time()
        out = fn()
        time.sleep(0.5)
        lines = log_lines(log, mark)
        out.update({"seconds": round(time.time() - t0, 1), "before": before, "after": d.stats(),
                    "logBytes": os.path.getsize(log) - mark,
                    "auditLines": sum(1 for l in lines if '"audit":"kmodd"' in l),
                    "errorLines": sum(1 for l in lines if " ERROR " in l),
                    "stackTraceLines": sum(1 for l in lines if l.startswith("\tat "))})
        phases[name] = out

    def failed_auth():
        n = int(20000 * S)
        rs = many(port, n, 16, lambda c, i: request(port, "POST", "/modules/loop/unload",
                                                       None if i % 2 else "wrong-" + str(i), conn=c)[:2])
        return {"requests": n, "codes": codes(x[0] for x in rs), "p99ms": p99([x[1] for x in rs])}
    phase("failedAuth", failed_auth)

    def oversized():
        n = max(2, int(200 * S))
        big = b'{"params":{"a":"' + b"x" * (70 * 1024) + b'"}}'
        cs = []
        for i in range(n):
            if i % 2:
                cs.append(request(port, "POST", "/modules/loop/load", token, big, {"Content-Type": "application/json"})[0])
            else:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(("POST /modules/loop/load HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % token).encode())
                try:
                    for _ in range(10):
                        s.sendall(b"2000\r\n" + b"x" * 8192 + b"\r\n")
                    s.sendall(b"0\r\n\r\n")
                except OSError:
                    pass
                head = s.recv(12).decode(errors="replace")
                cs.append(int(head[9:12]) if head.startswith("HTTP/1.1 ") else "closed")
                s.close()
        return {"requests": n, "codes": codes(cs)}
    phase("oversized", oversized)

    def names():
        n = int(5000 * S)
        rs = many(port, n, 16, lambda c, i: request(port, "POST", "/modules/nosuch%d/load" % i, token, conn=c)[:2])
        return {"requests": n, "codes": codes(x[0] for x in rs), "p99ms": p99([x[1] for x in rs])}
    phase("distinctNames", names)

    def held_then_left(socks):
        """The daemon's figures while the sockets are held, and how many it left open past the head timeout."""
        time.sleep(0.5)
        peak = d.stats()
        time.sleep(a.head_timeout + 3)
        left = open_sockets(socks)
        for s in socks:
            s.close()
        return peak, left

    def slowloris():
        n = int(1000 * S)
        socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /modu")
            socks.append(s)
        peak, left = held_then_left(socks)
        return {"sockets": n, "peakFds": peak["fds"], "openAfterHeadTimeout": left}
    phase("slowloris", slowloris)

    def idle():
        n = int(3000 * S)
        socks, answered = [], 0
        for _ in range(n):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(b"GET /q/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    answered += 1
                socks.append(s)
            except OSError:
                pass
        peak, left = held_then_left(socks)
        return {"connections": n, "answered": answered, "peakFds": peak["fds"], "openAfterHeadTimeout": left}
    phase("idleConnections", idle)

    def clients():
        n = max(20, int(200 * S))
        rs = many(port, n * 10, n, lambda c, i: request(port, "GET", "/modules" if i % 2 else "/jobs?limit=20",
                                                          token, conn=c)[:2])
        return {"clients": n, "requests": n * 10, "codes": codes(x[0] for x in rs), "p99ms": p99([x[1] for x in rs])}
    phase("concurrentClients", clients)

    res["phases"] = phases
    res["stopSeconds"] = round(d.stop(), 2)
    res["restartSeconds"] = round(d.start(), 2)
    res["idsAfterRestart"] = codes(request(port, "GET", "/jobs/" + i, token)[0] for i in kept[-10:])
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
