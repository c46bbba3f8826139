#!/usr/bin/env python3
"""kmodd against kmod's own tools, inside the guest, in one boot. Writes a markdown report.

Run by guest-main.sh in "bench" mode (deploy/dev/benchmark.sh starts it). kmodd is reached over a
persistent HTTP connection on 127.0.0.1:8080, as automation would; where a person would use curl, the
curl figure is given too. Every figure here is from the same guest, so ratios are what count: the guest
runs under TCG emulation, which slows everything, and the JVM's JIT most.
"""
import ctypes
import http.client
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time

OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/out/BENCHMARKS.md"
KMODD = ("127.0.0.1", 8080)
HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
lines = []


def log(msg):
    print("bench: " + msg, flush=True)
    with open("/dev/console", "w") as c:
        c.write("bench: " + msg + "\n")


def token(role="admin"):
    with open("/tmp/kmodd/tokens") as f:
        for line in f:
            name, r, tok = line.split()
            if r == role:
                return tok
    raise RuntimeError("no %s token in /tmp/kmodd/tokens" % role)


AUTH = None


def conn():
    return http.client.HTTPConnection(*KMODD, timeout=300)


def request(c, method, path, accept="application/json"):
    headers = {"Accept": accept, "Content-Length": "0", "Authorization": "Bearer " + AUTH}
    try:
        c.request(method, path, headers=headers)
        r = c.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        # kmodd closes a kept-alive connection idle for 60 s (quarkus.http.idle-timeout), as a client must
        # expect: the request never reached it, so it is sent once more on a new connection.
        c.close()
        c.request(method, path, headers=headers)
        r = c.getresponse()
    body = r.read()
    return r.status, body


def run(*cmd, check=False):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=check)


def loaded(name):
    return os.path.exists("/sys/module/%s/initstate" % name)


def pct(values, p):
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def ms(v):
    return "%.1f ms" % (v * 1000)


def kmodd_pid():
    out = subprocess.run(["pgrep", "-f", "quarkus-run.jar"], capture_output=True, text=True).stdout.split()
    return int(out[0])


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def finit_calls():
    c = conn()
    status, body = request(c, "GET", "/q/metrics", accept="text/plain; version=0.0.4")
    total = 0.0
    for m in re.finditer(r'^kmodd_kernel_calls_total\{call="finit_module"[^}]*\} ([0-9.]+)$', body.decode(), re.M):
        total += float(m.group(1))
    return total


def wait_job_done(c, job_id):
    while True:
        status, body = request(c, "GET", "/jobs/" + job_id)
        j = json.loads(body)
        if j["state"] in ("succeeded", "failed", "cancelled"):
            return j
        time.sleep(0.01)


# ---------------------------------------------------------------- 5. start-up and idle memory
# The packaged unit's JVM settings (systemd/kmodd.service), as the .deb runs kmodd.
UNIT_OPTS = ("-Xmx128m -XX:MaxMetaspaceSize=96m -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=32m"
             " -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1")


def restart(opts, cds):
    """Stops kmodd, starts it with these JVM settings, and returns the seconds until /q/health/ready is 200."""
    subprocess.run(["pkill", "-f", "quarkus-run.jar"])
    while subprocess.run(["pgrep", "-f", "quarkus-run.jar"], stdout=subprocess.DEVNULL).returncode == 0:
        time.sleep(0.05)
    env = dict(os.environ, KMODD_JAVA_OPTS=opts, KMODD_CDS="on" if cds else "off")
    t = time.perf_counter()
    subprocess.run(["sh", os.path.join(HERE, "start-kmodd.sh")], stdout=subprocess.DEVNULL, env=env)
    while True:
        try:
            c = conn()
            status, _ = request(c, "GET", "/q/health/ready")
            if status == 200:
                return time.perf_counter() - t
        except OSError:
            pass
        time.sleep(0.05)


def timed(*cmd):
    t = time.perf_counter()
    run(*cmd)
    return time.perf_counter() - t


def nmt():
    """Committed KiB per native-memory category of the running kmodd (jcmd VM.native_memory summary)."""
    out = subprocess.run(["jcmd", str(kmodd_pid()), "VM.native_memory", "summary"], capture_output=True, text=True).stdout
    cats = {}
    for m in re.finditer(r"^-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB\)", out, re.M):
        cats[m.group(1).strip()] = int(m.group(2))
    return cats


def first_operations():
    """The first load and the first removal after ready, and the kernel tools' own time in the same boot."""
    c = conn()
    t = time.perf_counter()
    c.request("POST", "/modules/dummy/load?wait=60s", headers={"Content-Length": "0", "Authorization": "Bearer " + AUTH})
    c.getresponse().read()
    first_load = time.perf_counter() - t
    t = time.perf_counter()
    status, body = request(c, "POST", "/modules/dummy/unload?timeout=30s")
    wait_job_done(c, json.loads(body)["id"])
    first_unload = time.perf_counter() - t
    mp = timed("modprobe", "dummy")
    rm = timed("rmmod", "dummy")
    return first_load, first_unload, mp, rm


def startup():
    log("start-up and idle RSS")
    jv = [timed("java", "-version") for _ in range(3)]
    configs = [("before: `-Xmx256m -XX:TieredStopAtLevel=1`, archive not used (as kmodd was started before)",
                "-Xmx256m -XX:TieredStopAtLevel=1", False),
               ("the unit's JVM settings, archive not used", UNIT_OPTS, False),
               ("the unit's JVM settings with the AppCDS archive (as the .deb runs it)", UNIT_OPTS, True)]
    ready = {}
    firsts = None
    for label, opts, cds in configs:
        ready[label] = [restart(opts, cds) for _ in range(3)]
    # As shipped, once more, with native memory tracking, for the breakdown and the first operations.
    restart(UNIT_OPTS + " -XX:NativeMemoryTracking=summary", True)
    firsts = first_operations()
    c = conn()
    for _ in range(20):
        request(c, "GET", "/modules")
        request(c, "GET", "/q/metrics")
    time.sleep(5)
    rss = rss_kib(kmodd_pid())
    cats = {k: v for k, v in nmt().items() if v >= 512}
    ctl = [timed("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto", "-Xmx64m",
                 "-jar", os.path.join(PROJECT, "target", "kmoddctl.jar"), "--version") for _ in range(5)]
    floor = statistics.median(jv)
    lines.append("## 5. Start-up and idle memory\n")
    lines.append("| | median of 3 | ratio to `java -version` |\n|---|---|---|")
    lines.append("| `java -version` (the floor) | %s | 1.0x |" % ms(floor))
    for label, _, _ in configs:
        lines.append("| kmodd start to ready (`/q/health/ready` 200), %s | %s | %.1fx |"
                     % (label, ms(statistics.median(ready[label])), statistics.median(ready[label]) / floor))
    lines.append("| `kmoddctl --version` (the packaged wrapper's JVM flags; median of 5) | %s | %.1fx |"
                 % (ms(statistics.median(ctl)), statistics.median(ctl) / floor))
    fl, fu, mp, rm = firsts
    lines.append("\nThe first operations after ready (the JIT and class loading not yet warm), against kmod's tools"
                 " in the same boot:\n")
    lines.append("| | kmodd, first after start (HTTP, job) | kmod | ratio |\n|---|---|---|---|")
    lines.append("| load `dummy` | %s | `modprobe dummy` %s | %.1fx |" % (ms(fl), ms(mp), fl / mp))
    lines.append("| remove `dummy` | %s | `rmmod dummy` %s | %.1fx |" % (ms(fu), ms(rm), fu / rm))
    lines.append("\nIdle, as shipped, after 40 requests: RSS %.0f MiB. Native memory committed by the JVM"
                 " (`-XX:NativeMemoryTracking=summary`, `jcmd VM.native_memory`; categories of 0.5 MiB and more), MiB:\n" % (rss / 1024.0))
    lines.append("| " + " | ".join(cats.keys()) + " |")
    lines.append("|" + "---|" * len(cats))
    lines.append("| " + " | ".join("%.1f" % (v / 1024.0) for v in cats.values()) + " |\n")


# ---------------------------------------------------------------- 1. load/unload latency
def latency(n=100):
    log("load/unload dummy x%d" % n)
    run("modprobe", "-r", "dummy")
    c = conn()
    k_load, k_unload = [], []
    for _ in range(n):
        t = time.perf_counter()
        status, body = request(c, "POST", "/modules/dummy/load?wait=60s")
        k_load.append(time.perf_counter() - t)
        assert status == 200, body
        t = time.perf_counter()
        status, body = request(c, "POST", "/modules/dummy/unload?timeout=10s", accept="text/event-stream")
        k_unload.append(time.perf_counter() - t)
        assert b"removed dummy" in body, body
    c_load, c_unload = [], []
    for _ in range(n // 4):
        t = time.perf_counter()
        run("curl", "-sf", "-H", "Authorization: Bearer " + AUTH, "-X", "POST",
            "http://127.0.0.1:8080/modules/dummy/load?wait=60s", check=True)
        c_load.append(time.perf_counter() - t)
        t = time.perf_counter()
        run("curl", "-sfN", "-H", "Authorization: Bearer " + AUTH, "-H", "Accept: text/event-stream", "-X", "POST",
            "http://127.0.0.1:8080/modules/dummy/unload?timeout=10s", check=True)
        c_unload.append(time.perf_counter() - t)
    m_load, m_unload = [], []
    for _ in range(n):
        t = time.perf_counter()
        run("modprobe", "dummy", check=True)
        m_load.append(time.perf_counter() - t)
        t = time.perf_counter()
        run("modprobe", "-r", "dummy", check=True)
        m_unload.append(time.perf_counter() - t)
    lines.append("## 1. Load then unload of `dummy`, %d times\n" % n)
    lines.append("| operation | kmodd (HTTP client) median / p99 | kmodd (curl process, %d runs) median | "
                 "modprobe median / p99 | ratio of medians kmodd/modprobe |" % (n // 4))
    lines.append("|---|---|---|---|---|")
    lines.append("| load | %s / %s | %s | %s / %s | %.2f |" % (
        ms(statistics.median(k_load)), ms(pct(k_load, 99)), ms(statistics.median(c_load)),
        ms(statistics.median(m_load)), ms(pct(m_load, 99)), statistics.median(k_load) / statistics.median(m_load)))
    lines.append("| unload | %s / %s | %s | %s / %s | %.2f |\n" % (
        ms(statistics.median(k_unload)), ms(pct(k_unload, 99)), ms(statistics.median(c_unload)),
        ms(statistics.median(m_unload)), ms(pct(m_unload, 99)),
        statistics.median(k_unload) / statistics.median(m_unload)))


# ---------------------------------------------------------------- 2. concurrent loads
XFS_FAMILY = ["xfs", "libcrc32c", "crc32c_generic", "crc32c_intel"]


def unload_xfs():
    for m in XFS_FAMILY:
        run("rmmod", m)


def parallel_posts(n, path):
    """n clients, each on its own connection, POST at once (a barrier); the wall time and the statuses."""
    results = []
    barrier = threading.Barrier(n)

    def client():
        cc = conn()
        barrier.wait()
        results.append(request(cc, "POST", path)[0])

    threads = [threading.Thread(target=client) for _ in range(n)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t, results


def concurrent(n=64):
    log("%d concurrent loads of xfs" % n)
    unload_xfs()
    c = conn()
    t = time.perf_counter()
    status, body = request(c, "POST", "/modules/xfs/load?wait=120s")
    single = time.perf_counter() - t
    assert status == 200, body
    unload_xfs()

    pid = kmodd_pid()
    cpu0, finit0 = cpu_seconds(pid), finit_calls()
    k_wall, results = parallel_posts(n, "/modules/xfs/load?wait=120s")
    k_cpu = cpu_seconds(pid) - cpu0
    k_finit = finit_calls() - finit0
    assert results.count(200) == n, results

    # The HTTP floor: the same 64 parallel requests while xfs is live, so every answer is "already loaded"
    # and nothing reaches the kernel; what the client and the HTTP layer cost under emulation.
    http_floor, floor_results = parallel_posts(n, "/modules/xfs/load?wait=120s")
    assert floor_results.count(200) == n, floor_results
    unload_xfs()

    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    procs = [subprocess.Popen(["modprobe", "xfs"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(n)]
    codes = [p.wait() for p in procs]
    m_wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    m_cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    unload_xfs()
    # A second, separate pass under strace counts modprobe's finit_module calls (strace slows it down,
    # so this pass is not timed).
    os.makedirs("/tmp/st", exist_ok=True)
    procs = [subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=finit_module", "-o", "/tmp/st/%d" % i,
                               "modprobe", "xfs"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for i in range(n)]
    for p in procs:
        p.wait()
    m_finit = 0
    for f in os.listdir("/tmp/st"):
        with open(os.path.join("/tmp/st", f)) as fh:
            m_finit += sum(1 for line in fh if "finit_module(" in line)
    unload_xfs()
    lines.append("## 2. %d concurrent loads of `xfs` (with libcrc32c and its softdeps)\n" % n)
    lines.append("| | wall | CPU user+sys | finit_module calls | failed |")
    lines.append("|---|---|---|---|---|")
    lines.append("| one kmodd load (baseline) | %s | | | |" % ms(single))
    lines.append("| 64 parallel requests with nothing to load (xfs live: the client's and HTTP's own cost) | %s | | 0 | |"
                 % ms(http_floor))
    lines.append("| kmodd, %d parallel requests | %s (%.2fx the single load) | %s (daemon) | %d | %d |" % (
        n, ms(k_wall), k_wall / single, ms(k_cpu), k_finit, n - results.count(200)))
    lines.append("| %d parallel `modprobe xfs` | %s | %s (all processes) | %d (strace pass) | %d |\n" % (
        n, ms(m_wall), ms(m_cpu), m_finit, sum(1 for x in codes if x != 0)))
    lines.append("Over the HTTP floor, 64 merged requests took %s against %s for one load: %.2fx.\n" % (
        ms(k_wall - http_floor), ms(single), (k_wall - http_floor) / single))


# ---------------------------------------------------------------- 3. patient-removal reaction
def gone_after(release_fd):
    t0 = time.perf_counter()
    os.close(release_fd)
    while os.path.exists("/sys/module/loop"):
        time.sleep(0.001)
    return time.perf_counter() - t0


def delete_module_floor(reps=5):
    """The kernel's own time for delete_module(loop) with nothing holding it: the floor of any reaction."""
    libc = ctypes.CDLL(None, use_errno=True)
    nr = 176 if os.uname().machine == "x86_64" else 106
    times = []
    for _ in range(reps):
        run("modprobe", "loop", check=True)
        t = time.perf_counter()
        rc = libc.syscall(ctypes.c_long(nr), ctypes.c_char_p(b"loop"), ctypes.c_long(os.O_NONBLOCK))
        times.append(time.perf_counter() - t)
        assert rc == 0, ctypes.get_errno()
    return statistics.median(times)


def reaction(holds=((1, 5), (2, 5), (5, 3), (30, 1))):
    log("patient-removal reaction")
    floor = delete_module_floor()
    c = conn()
    pid = kmodd_pid()
    time.sleep(2)
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(10)
    idle_cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)
    rows = []
    wait_cpu = None
    for hold, reps in holds:
        k, m = [], []
        for _ in range(reps):
            run("modprobe", "loop", check=True)
            fd = os.open("/dev/loop0", os.O_RDONLY)
            status, body = request(c, "POST", "/modules/loop/unload?timeout=5m")
            assert status == 202, body
            job = json.loads(body)["id"]
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            time.sleep(hold)
            if hold >= 30:
                wait_cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)
            k.append(gone_after(fd))
            assert wait_job_done(c, job)["state"] == "succeeded"

            run("modprobe", "loop", check=True)
            fd = os.open("/dev/loop0", os.O_RDONLY)
            p = subprocess.Popen(["modprobe", "-r", "--wait", "300000", "loop"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(hold)
            m.append(gone_after(fd))
            p.wait()
        rows.append((hold, reps, k, m))
    lines.append("## 3. Patient-removal reaction: `loop` held by an open descriptor, then released\n")
    lines.append("Time from close() of the holder to /sys/module/loop being gone.\n")
    lines.append("The kernel's own delete_module(loop), called directly with nothing holding it, takes %s "
                 "here: that is the floor under every figure below, paid by both sides. \"Over the floor\" is "
                 "the reaction itself: how late the waiter noticed the release.\n" % ms(floor))
    lines.append("| hold | runs | kmodd median / max | kmodd over the floor, max | `modprobe -r --wait` median / max "
                 "| modprobe over the floor, max | ratio of medians |")
    lines.append("|---|---|---|---|---|---|---|")
    for hold, reps, k, m in rows:
        lines.append("| %d s | %d | %s / %s | %s | %s / %s | %s | %.3f |" % (
            hold, reps, ms(statistics.median(k)), ms(max(k)), ms(max(k) - floor), ms(statistics.median(m)),
            ms(max(m)), ms(max(m) - floor), statistics.median(k) / statistics.median(m)))
    lines.append("\nkmodd's CPU (the whole daemon, JVM included) while a removal waits (30 s hold): %.2f %% of one "
                 "core; the same daemon idle, no job: %.2f %%. The wait itself costs the difference, %.2f %%.\n"
                 % (100.0 * (wait_cpu or 0), 100.0 * idle_cpu, 100.0 * ((wait_cpu or 0) - idle_cpu)))


# ---------------------------------------------------------------- 4. scrape cost
def scrape():
    log("loading many modules for the scrape benchmark")
    kver = os.uname().release
    names = []
    for sub in ("crypto", "lib", "fs"):
        for root, _, files in os.walk("/lib/modules/%s/kernel/%s" % (kver, sub)):
            for f in files:
                base = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", f)
                if base != f and not base.startswith("test_") and "inject" not in base:
                    names.append(base)
    for i in range(0, len(names), 40):
        run("modprobe", "-a", "-q", *names[i:i + 40])
    with open("/proc/modules") as f:
        count = sum(1 for _ in f)
    log("%d modules loaded; timing scrapes" % count)
    c = conn()
    for _ in range(5):
        request(c, "GET", "/q/metrics", accept="text/plain; version=0.0.4")
    k, cu, ls = [], [], []
    size = 0
    for _ in range(30):
        t = time.perf_counter()
        status, body = request(c, "GET", "/q/metrics", accept="text/plain; version=0.0.4")
        k.append(time.perf_counter() - t)
        size = len(body)
    for _ in range(30):
        t = time.perf_counter()
        run("curl", "-sf", "-H", "Authorization: Bearer " + AUTH, "-o", "/dev/null", "http://127.0.0.1:8080/q/metrics")
        cu.append(time.perf_counter() - t)
    for _ in range(30):
        t = time.perf_counter()
        run("lsmod")
        ls.append(time.perf_counter() - t)
    series = len(re.findall(r"^kmodd_module_refcount\{", body.decode(), re.M))
    lines.append("## 4. Scrape with %d modules loaded\n" % count)
    lines.append("| | median | p99 | ratio to lsmod |")
    lines.append("|---|---|---|---|")
    lines.append("| `lsmod` (a process) | %s | %s | 1.00 |" % (ms(statistics.median(ls)), ms(pct(ls, 99))))
    lines.append("| `/q/metrics` over a kept-alive connection (as Prometheus scrapes) | %s | %s | %.2f |" % (
        ms(statistics.median(k)), ms(pct(k, 99)), statistics.median(k) / statistics.median(ls)))
    lines.append("| `curl /q/metrics` (a process) | %s | %s | %.2f |" % (
        ms(statistics.median(cu)), ms(pct(cu, 99)), statistics.median(cu) / statistics.median(ls)))
    lines.append("\nThe scrape is %d KiB with %d per-module refcount series.\n" % (size // 1024, series))


def main():
    global AUTH
    AUTH = token("admin")
    kver = os.uname().release
    kmodv = subprocess.run(["modprobe", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    javav = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sections = [latency, concurrent, reaction, scrape, startup]
    for s in sections:
        try:
            s()
        except Exception as e:  # a broken section is reported, the others still run
            lines.append("## %s: FAILED\n\n`%r`\n" % (s.__name__, e))
            log("%s failed: %r" % (s.__name__, e))
    head = ["# kmodd benchmarks\n",
            "Measured %s by `deploy/dev/benchmark.sh`, inside one QEMU guest (TCG emulation, 2 vCPUs, "
            "2 GiB): kernel %s, %s, %s. kmodd and kmod's tools ran in the same boot, one after the other; "
            "under emulation absolute times are inflated (the JIT most), so the ratios are the figures "
            "that count.\n" % (started, kver, kmodv, javav)]
    with open(OUT, "w") as f:
        f.write("\n".join(head + lines) + "\n")
    log("wrote " + OUT)


if __name__ == "__main__":
    main()
