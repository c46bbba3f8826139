#!/usr/bin/env python3
"""kmodd against kmod's own tools, inside the guest, in one boot. Writes a markdown report.

Run by guest-main.sh in "bench" mode (deploy/dev/benchmark.sh starts it). kmodd is reached over a
persistent HTTP connection on 127.0.0.1:8080, as automation would; where a person would use curl, the
curl figure is given too. Every figure here is from the same guest, so ratios are what count: the guest
runs under TCG emulation, which slows everything, and the JVM's JIT most.
"""
import ctypes
import functools
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


@functools.lru_cache(maxsize=None)
def token(role="admin"):
    with open("/tmp/kmodd/tokens") as f:
        for line in f:
            name, r, tok = line.split()
            if r == role:
                return tok
    raise RuntimeError("no %s token in /tmp/kmodd/tokens" % role)


def auth():
    """The admin's token, read once from the tokens file kmodd was started with."""
    return token("admin")


def conn():
    return http.client.HTTPConnection(*KMODD, timeout=300)


def request(c, method, path, accept="application/json"):
    headers = {"Accept": accept, "Content-Length": "0", "Authorization": "Bearer " + auth()}
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


def wait_job_done(c, job_id, limit_s=300):
    def ended():
        status, body = request(c, "GET", "/jobs/" + job_id)
        j = json.loads(body)
        return j if j["state"] in ("succeeded", "failed", "cancelled") else None
    return until("job %s to end" % job_id, ended, limit_s, every_s=0.01)


# ---------------------------------------------------------------- 5. start-up and idle memory
# The unit's JVM settings before this memory change (and the archive Quarkus made, static init only,
# which the postinst made then): the "before" of every figure in this section.
BEFORE_OPTS = ("-Xmx128m -XX:MaxMetaspaceSize=96m -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=32m"
               " -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
APP = os.path.join(PROJECT, "target", "quarkus-app")


# The packaged unit's JVM options (without the archive: restart() passes the one each run is about) and its
# Environment=, read from systemd/kmodd.service by the helper the flood benchmark shares.
sys.path.insert(0, os.path.join(PROJECT, "src", "test", "pylib"))
from kmodd_unit import unit_jvm  # noqa: E402
from waits import until  # noqa: E402
_opts, UNIT_ENV = unit_jvm(PROJECT)
UNIT_OPTS = " ".join(_opts)


def restart(opts, cds, env=None):
    """Stops kmodd, starts it with these JVM settings and archive (on, off or a path), and returns the
    seconds until /q/health/ready is 200."""
    subprocess.run(["pkill", "-f", "quarkus-run.jar"])
    until("the old kmodd to exit", lambda: subprocess.run(["pgrep", "-f", "quarkus-run.jar"],
                                                          stdout=subprocess.DEVNULL).returncode != 0, 60)
    env = dict(os.environ, KMODD_JAVA_OPTS=opts, KMODD_CDS=cds, **(env or {}))
    t = time.perf_counter()
    subprocess.run(["sh", os.path.join(HERE, "start-kmodd.sh")], stdout=subprocess.DEVNULL, env=env)

    def ready():
        try:
            status, _ = request(conn(), "GET", "/q/health/ready")
            return status == 200
        except OSError:
            return False
    until("kmodd to be ready (" + opts + ")", ready, 300)
    return time.perf_counter() - t


def timed(*cmd):
    t = time.perf_counter()
    run(*cmd)
    return time.perf_counter() - t


# The jcmd that reads the running kmodd: the JDK's own where it has one (a JRE-only JDK, such as Debian 13's
# openjdk-*-jre-headless, has none; the jdks section names a full JDK's instead).
JCMD = "jcmd"


def nmt():
    """Committed KiB per native-memory category of the running kmodd (jcmd VM.native_memory summary)."""
    out = subprocess.run([JCMD, str(kmodd_pid()), "VM.native_memory", "summary"], capture_output=True, text=True).stdout
    cats = {}
    for m in re.finditer(r"^-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB\)", out, re.M):
        cats[m.group(1).strip()] = int(m.group(2))
    return cats


def counters():
    """The JVM's own counters of the running kmodd (hsperfdata, read by jcmd without attaching)."""
    out = subprocess.run([JCMD, str(kmodd_pid()), "PerfCounter.print"], capture_output=True, text=True).stdout
    vals = {}
    for m in re.finditer(r"^([\w.]+)=(-?\d+)$", out, re.M):
        vals[m.group(1)] = int(m.group(2))
    return vals


def profile_row(label, wall, a, b):
    """One row of the start-up profile: what the JVM did between two counter readings."""
    hz = float(b.get("sun.os.hrt.frequency", 1e9))
    d = lambda k: (b.get(k, 0) - a.get(k, 0))
    gc = d("sun.gc.collector.0.time") + d("sun.gc.collector.1.time")
    return "| %s | %s | %d | %d | %s | %d | %s | %s |" % (
        label, ms(wall), d("java.cls.sharedLoadedClasses"), d("java.cls.loadedClasses"),
        ms(d("sun.cls.time") / hz), d("sun.ci.standardCompiles") + d("sun.ci.osrCompiles"),
        ms(d("java.ci.totalTime") / hz), ms(gc / hz))


@functools.lru_cache(maxsize=None)
def make_archives():
    """The two archives, made in this boot as a host makes them: Quarkus's (static init only, as the
    postinst made it before) and make-archive's training start (as the postinst makes it now). Made once per
    boot; later calls answer the seconds the first one took."""
    os.makedirs("/tmp/kmodd", exist_ok=True)
    t = time.perf_counter()
    r = subprocess.run(["java", "-XX:ArchiveClassesAtExit=/tmp/kmodd/static.jsa", "-XX:+UseSerialGC",
                        "-Dquarkus.appcds.generate=true", "-Dkmodd.jobs.journal=none", "-Dquarkus.http.host-enabled=false",
                        "-jar", "quarkus-run.jar"], cwd=APP, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600)
    static_s = time.perf_counter() - t
    assert os.path.exists("/tmp/kmodd/static.jsa") and os.path.getsize("/tmp/kmodd/static.jsa") > 0, (
        "Quarkus made no archive (exit %d): %s" % (r.returncode, "\n".join(
            l for l in (r.stdout + r.stderr).splitlines() if "Skipping" not in l)[-2000:]))
    t = time.perf_counter()
    r = subprocess.run(["bash", os.path.join(PROJECT, "deploy", "debian", "make-archive"), "/tmp/kmodd/trained.jsa"], cwd=APP,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    trained_s = time.perf_counter() - t
    assert r.returncode == 0, r.stderr[-2000:]
    return static_s, trained_s


def first_operations(marks=None):
    """The first load and the first removal after ready, and the kernel tools' own time in the same boot.
    With marks (a list), the JVM's counters at ready, after the load and after the removal are added to it."""
    if marks is not None:
        at_ready = counters()
    c = conn()
    t = time.perf_counter()
    c.request("POST", "/modules/dummy/load?wait=60s", headers={"Content-Length": "0", "Authorization": "Bearer " + auth()})
    r = c.getresponse()
    body = r.read()
    first_load = time.perf_counter() - t
    assert r.status == 200, ("first load", r.status, body[:300])
    if marks is not None:
        after_load = counters()
    t = time.perf_counter()
    status, body = request(c, "POST", "/modules/dummy/unload?timeout=30s")
    assert status == 202, ("first removal", status, body[:300])
    wait_job_done(c, json.loads(body)["id"])
    first_unload = time.perf_counter() - t
    if marks is not None:
        marks.extend([at_ready, after_load, counters()])
    mp = timed("modprobe", "dummy")
    rm = timed("rmmod", "dummy")
    return first_load, first_unload, mp, rm


def refused_requests():
    """Requests that take the load and removal paths through HTTP, authentication, the resource, the policy and
    the module lookup, and that kmodd refuses before any kernel call (404: no such module, not loaded)."""
    c = conn()
    for path in ("/modules/nx_no_such_module/load?wait=10s", "/modules/dummy/unload?timeout=1s",
                 "/modules/dummy/unload?dryRun=true"):
        status, body = request(c, "POST", path)
        assert status == 404, (path, status, body)


def cold_starts(label, opts, cds, env, before=None, starts=3):
    """Starts kmodd afresh (starts times) and takes its first load and removal (after before(), if given); one
    row of medians: the first load, the first removal, the load over that start's own modprobe, and the
    classes the first load took from the archive and from jars (the JVM's counters)."""
    loads, unloads, ratios, shared, jars = [], [], [], [], []
    for _ in range(starts):
        restart(opts, cds, env)
        if before:
            before()
        marks = []
        fl, fu, mp, _ = first_operations(marks)
        at_ready, after_load = marks[0], marks[1]
        loads.append(fl)
        unloads.append(fu)
        ratios.append(fl / mp)
        shared.append(after_load.get("java.cls.sharedLoadedClasses", 0) - at_ready.get("java.cls.sharedLoadedClasses", 0))
        jars.append(after_load.get("java.cls.loadedClasses", 0) - at_ready.get("java.cls.loadedClasses", 0))
    med = statistics.median
    return "| %s | %s | %s | %.1fx | %d | %d |" % (label, ms(med(loads)), ms(med(unloads)), med(ratios), med(shared),
                                                 med(jars))


def first_load_apart():
    """The first load and removal after a start, taken apart: as shipped; with an archive that also holds every
    class the first load and removal use (made by a start that did them, here where a load may reach the
    kernel); and as shipped after three requests that kmodd refuses before the kernel. Rows of a table."""
    rows = [cold_starts("as shipped (make-archive's archive)", UNIT_OPTS, "/tmp/kmodd/trained.jsa", UNIT_ENV)]
    # The start that makes it must have loaded and removed (a failed answer is retried with a new start, and
    # said: once, a JVM in dump mode answered a load with a NullPointerException from Jackson).
    failed = []
    for _ in range(3):
        if os.path.exists("/tmp/kmodd/full.jsa"):
            os.remove("/tmp/kmodd/full.jsa")
        restart(UNIT_OPTS + " -XX:ArchiveClassesAtExit=/tmp/kmodd/full.jsa", "off", UNIT_ENV)
        try:
            first_operations()
            idle_memory()
            break
        except AssertionError as e:
            failed.append(re.sub(r"[|\n]", " ", repr(e))[:300])
            log("full archive: the dump start failed: %r" % e)
            run("rmmod", "dummy")
    else:
        raise AssertionError("no start in dump mode did the first operations: %s" % failed)
    restart(UNIT_OPTS, "/tmp/kmodd/trained.jsa", UNIT_ENV)  # stopping the dump start writes full.jsa
    assert os.path.exists("/tmp/kmodd/full.jsa") and os.path.getsize("/tmp/kmodd/full.jsa") > 0, "no full.jsa"
    rows.append(cold_starts("an archive that also holds the first load's and removal's classes%s" % (
        " (made by the %s start in dump mode; before it: %s)" % ("second" if len(failed) == 1 else "third",
                                                               "; ".join(failed)) if failed else ""),
        UNIT_OPTS, "/tmp/kmodd/full.jsa", UNIT_ENV))
    rows.append(cold_starts("as shipped, after three requests refused before the kernel (an unknown module's load, "
                            "two removals of a module not loaded)", UNIT_OPTS, "/tmp/kmodd/trained.jsa", UNIT_ENV,
                            before=refused_requests))
    return rows


def idle_memory():
    c = conn()
    for _ in range(20):
        request(c, "GET", "/modules")
        request(c, "GET", "/q/metrics")
    time.sleep(5)
    pid = kmodd_pid()
    return rss_kib(pid), {k: v for k, v in nmt().items() if v >= 512}


def startup():
    log("start-up and idle RSS")
    static_s, trained_s = make_archives()
    jv = [timed("java", "-version") for _ in range(3)]
    before = ("before: the unit's previous settings, Quarkus's archive (as the .deb ran it before)",
              BEFORE_OPTS, "/tmp/kmodd/static.jsa", {})
    configs = [before,
               ("the unit's settings now, no archive", UNIT_OPTS, "off", UNIT_ENV),
               ("the unit's settings now, Quarkus's archive (static init only)", UNIT_OPTS, "/tmp/kmodd/static.jsa", UNIT_ENV),
               ("after: the unit's settings now, make-archive's archive (as the .deb runs it now)", UNIT_OPTS,
                "/tmp/kmodd/trained.jsa", UNIT_ENV)]
    ready = {}
    for label, opts, cds, env in configs:
        ready[label] = [restart(opts, cds, env) for _ in range(3)]
    # Before and after once more each, with native memory tracking: the first operations and idle memory.
    restart(BEFORE_OPTS + " -XX:NativeMemoryTracking=summary", "/tmp/kmodd/static.jsa")
    firsts_before = first_operations()
    rss_before, cats_before = idle_memory()
    marks = []
    ready_wall = restart(UNIT_OPTS + " -XX:NativeMemoryTracking=summary", "/tmp/kmodd/trained.jsa", UNIT_ENV)
    firsts = first_operations(marks)
    at_ready, after_load, after_unload = marks
    started = re.findall(r"started in ([0-9.]+)s", open("/tmp/out/kmodd.log", errors="replace").read())
    profile = [profile_row("start to ready (JVM start to `/q/health/ready` 200; Quarkus logged \"started in "
                           "%ss\", the JVM's own start %s)" % (started[-1] if started else "?", ms(
                               (at_ready.get("sun.rt.createVmEndTime", 0) - at_ready.get("sun.rt.createVmBeginTime", 0)) / 1000.0)),
                           ready_wall, {}, at_ready),
               profile_row("first load of `dummy` (request to answer)", firsts[0], at_ready, after_load),
               profile_row("first removal of `dummy` (request to job done)", firsts[1], after_load, after_unload)]
    rss, cats = idle_memory()
    try:  # an experiment that fails is said in its table; the figures above it stand
        cold = first_load_apart()
    except Exception as e:
        import traceback
        log("first load taken apart: %s" % traceback.format_exc())
        cold = ["| FAILED: %s | | | | | |" % re.sub(r"[|\n]", " ", repr(e))[:300]]
    ctl = [timed("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto", "-Xmx64m",
                 "-jar", os.path.join(PROJECT, "target", "kmoddctl.jar"), "--version") for _ in range(5)]
    floor = statistics.median(jv)
    lines.append("## 6. Start-up and idle memory\n")
    lines.append("The unit's JVM settings now: `%s`, environment %s.\n" % (
        UNIT_OPTS, ", ".join("`%s=%s`" % kv for kv in UNIT_ENV.items()) or "none"))
    lines.append("| | median of 3 | ratio to `java -version` |\n|---|---|---|")
    lines.append("| `java -version` (the floor) | %s | 1.0x |" % ms(floor))
    for label, _, _, _ in configs:
        lines.append("| kmodd start to ready (`/q/health/ready` 200), %s | %s | %.1fx |"
                     % (label, ms(statistics.median(ready[label])), statistics.median(ready[label]) / floor))
    lines.append("| `kmoddctl --version` (the packaged wrapper's JVM flags; median of 5) | %s | %.1fx |"
                 % (ms(statistics.median(ctl)), statistics.median(ctl) / floor))
    lines.append("\nMaking the archives in this boot, as a postinst does: Quarkus's %s, make-archive's training "
                 "start %s.\n" % (ms(static_s), ms(trained_s)))
    lines.append("Where the time goes, as shipped now (the JVM's own counters, `jcmd PerfCounter.print`: classes "
                 "mapped from the archive and read from jars, the time in class loading, linking and static "
                 "initializers, C1's compilations and their time, which run beside the main thread, and GC; the row 'start to "
                 "ready' is read by jcmd a few seconds after ready, so compilations that finished meanwhile are in it):\n")
    lines.append("| phase | wall | classes from the archive | classes from jars | class load+link+init | "
                 "compilations | compile time | GC |")
    lines.append("|---|---|---|---|---|---|---|---|")
    lines.extend(profile)
    lines.append("\nThe first operations after ready (the JIT and class loading not yet warm), against kmod's tools"
                 " in the same boot:\n")
    lines.append("| | kmodd before | kmodd after | kmod | ratio after |\n|---|---|---|---|---|")
    fl, fu, mp, rm = firsts
    lines.append("| load `dummy` (HTTP, job) | %s | %s | `modprobe dummy` %s | %.1fx |" % (
        ms(firsts_before[0]), ms(fl), ms(mp), fl / mp))
    lines.append("| remove `dummy` (HTTP, job) | %s | %s | `rmmod dummy` %s | %.1fx |" % (
        ms(firsts_before[1]), ms(fu), ms(rm), fu / rm))
    lines.append("\nThe first operations taken apart: is it reading classes, or the code still cold? Each row the "
                 "median of 3 fresh starts with the unit's settings; the ratio is to `modprobe dummy` right after, in "
                 "the same start; the classes are those the first load took from the archive and from jars.\n")
    lines.append("| start | first load | first removal | load / modprobe | classes from the archive | classes from jars |")
    lines.append("|---|---|---|---|---|---|")
    lines.extend(cold)
    lines.append("\nIdle after the first operations and 40 requests: RSS %.0f MiB before, %.0f MiB after. Native "
                 "memory committed by the JVM (`-XX:NativeMemoryTracking=summary`, `jcmd VM.native_memory`; "
                 "categories of 0.5 MiB and more), MiB:\n" % (rss_before / 1024.0, rss / 1024.0))
    keys = list(dict.fromkeys(list(cats_before.keys()) + list(cats.keys())))
    lines.append("| | " + " | ".join(keys) + " |")
    lines.append("|---|" + "---|" * len(keys))
    lines.append("| before | " + " | ".join("%.1f" % (cats_before.get(k, 0) / 1024.0) for k in keys) + " |")
    lines.append("| after | " + " | ".join("%.1f" % (cats.get(k, 0) / 1024.0) for k in keys) + " |\n")


# ---------------------------------------------------------------- 7. three JDKs side by side
# The JDKs a Debian host runs kmodd on, one line each in the file "jdks" beside the report (written by
# benchmark.sh): FEATURE JAVA JCMD, e.g. "25 /usr/lib/jvm/java-25-openjdk-amd64/bin/java /x/bin/jcmd".
def jdk_list():
    path = os.path.join(os.path.dirname(OUT), "jdks")
    if not os.path.exists(path):
        return []
    return [tuple(line.split()) for line in open(path) if line.strip()]


def archive_for(feature, name):
    """Where the archive for this JDK goes (not kmodd's small state filesystem: an archive is 40-70 MB): an AOT
    cache on 25 and later, a class-data-sharing archive before."""
    os.makedirs("/tmp/archives", exist_ok=True)
    return "/tmp/archives/%s.%s" % (name, "aot" if int(feature) >= 25 else "jsa")


def local_files():
    """Every file the JVMs read from local memory, as on a host whose disk has them in its page cache: the build
    (over the project's share, which caches nothing, a start here took 26 s and a training run 315 s) is
    copied to a tmpfs and mounted over itself, times kept (an archive checks them); a JDK on the share too."""
    if not os.path.ismount(APP):
        subprocess.run(["cp", "-a", APP, "/tmp/app"], check=True)
        subprocess.run(["mount", "--bind", "/tmp/app", APP], check=True)
    moved = []
    for feature, java, jcmd in jdk_list():
        home = os.path.dirname(os.path.dirname(java))
        if home.startswith(PROJECT + "/"):
            local = "/tmp/jdk-" + feature
            if not os.path.exists(local):
                subprocess.run(["cp", "-a", home, local], check=True)
            java = local + "/bin/java"
            jcmd = jcmd.replace(home, local)
        moved.append((feature, java, jcmd))
    return moved


def make_archive(java, out, opts):
    """make-archive as the postinst runs it, for this JDK and these JVM options; the seconds it took."""
    t = time.perf_counter()
    r = subprocess.run(["bash", os.path.join(PROJECT, "deploy", "debian", "make-archive"), out] + opts.split(), cwd=APP,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, env=dict(os.environ, KMODD_JAVA=java),
                       timeout=900)
    assert r.returncode == 0 and os.path.getsize(out) > 0, ("make-archive", java, out, r.stderr[-2000:])
    return time.perf_counter() - t


def burst(n_clients=32, each=40):
    """A burst of reads such as a fleet's dashboards and scrapers make at once: n_clients connections, each
    alternating the module list and a scrape."""
    paths = [["/modules" if i % 2 else "/q/metrics" for i in range(each)] for _ in range(n_clients)]
    wall, results = clients(paths, method="GET", accept="*/*")
    bad = [r for r in results if r[1] != 200]
    assert not bad, ("burst answers not 200", len(bad), bad[:3])
    return wall


def maps_archive(archive):
    """Whether the running kmodd maps this archive (the JVM took it, rather than skipping it as not fitting)."""
    with open("/proc/%d/maps" % kmodd_pid()) as f:
        return archive in f.read()


def mib(kib):
    return "%.0f MiB" % (kib / 1024.0)


def jdks():
    """kmodd on each JDK in one boot: start to ready without and with the archive the postinst makes for that
    JDK, the first load and removal after ready against modprobe and rmmod, idle memory and where it goes, and
    kmoddctl's start; then, on the newest JDK, the memory levers (compact object headers, a collector that gives
    memory back after a burst), each with an archive made with its own settings."""
    global JCMD
    if not jdk_list():
        log("jdks: no list of JDKs (BENCH_ROOT=debian13 deploy/dev/benchmark.sh writes one); skipped")
        return
    log("three JDKs side by side")
    cols = []
    jdks_here = local_files()
    for feature, java, jcmd in jdks_here:
        JCMD = jcmd
        env = dict(UNIT_ENV, KMODD_JAVA=java)
        version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
        floor = statistics.median([timed(java, "-version") for _ in range(3)])
        cold = statistics.median([restart(UNIT_OPTS, "off", env) for _ in range(3)])
        archive = archive_for(feature, "jdk%s" % feature)
        training = make_archive(java, archive, UNIT_OPTS)
        warm = statistics.median([restart(UNIT_OPTS, archive, env) for _ in range(3)])
        restart(UNIT_OPTS + " -XX:NativeMemoryTracking=summary", archive, env)
        used = maps_archive(archive)
        fl, fu, mp, rm = first_operations()
        rss, cats = idle_memory()
        ctl = statistics.median([timed(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                                       "-Xshare:auto", "-Xmx64m", "-jar", os.path.join(PROJECT, "target", "kmoddctl.jar"),
                                       "--version") for _ in range(3)])
        cols.append(dict(feature=feature, version=version[1] if len(version) > 1 else version[0], floor=floor,
                         cold=cold, warm=warm, training=training, fl=fl, fu=fu, mp=mp, rm=rm, rss=rss, cats=cats,
                         ctl=ctl, used=used, archive=archive))
        log("JDK %s: ready %.1f s without an archive, %.1f s with it; idle RSS %s" % (feature, cold, warm, mib(rss)))
        if int(feature) < 25:
            subprocess.run(["pkill", "-f", "quarkus-run.jar"])
            os.remove(archive)  # the guest's /tmp is memory; the newest JDK's is kept for the levers
    kind = lambda c: "AOT cache" if int(c["feature"]) >= 25 else "CDS archive"
    lines.append("## 7. One Debian 13 boot, three JDKs\n")
    lines.append("kmodd with the unit's settings (`%s`) on each JDK in turn, in the same boot; each JDK's start-up "
                 "archive made here by `make-archive`, as the postinst makes it (a class-data-sharing archive before "
                 "JDK 25, the ahead-of-time cache on 25). Start to ready is the median of 3 starts; the first "
                 "operations, idle memory and the breakdown are from one more start with native memory tracking.\n"
                 % UNIT_OPTS)
    lines.append("| | " + " | ".join("JDK %s" % c["feature"] for c in cols) + " |")
    lines.append("|---|" + "---|" * len(cols))
    row = lambda label, f: lines.append("| %s | %s |" % (label, " | ".join(f(c) for c in cols)))
    row("runtime", lambda c: c["version"])
    row("`java -version` (the floor)", lambda c: ms(c["floor"]))
    row("start to ready, no archive", lambda c: "%s (%.1fx)" % (ms(c["cold"]), c["cold"] / c["floor"]))
    row("start to ready, with its archive", lambda c: "%s (%.1fx), %s" % (ms(c["warm"]), c["warm"] / c["floor"], kind(c)))
    row("making the archive (the postinst's training)", lambda c: ms(c["training"]))
    row("the JVM maps its archive (`/proc/PID/maps`)", lambda c: "yes" if c["used"] else "NO")
    row("first load of `dummy` after ready / `modprobe dummy`", lambda c: "%s / %s (%.1fx)" % (ms(c["fl"]), ms(c["mp"]), c["fl"] / c["mp"]))
    row("first removal / `rmmod dummy`", lambda c: "%s / %s (%.1fx)" % (ms(c["fu"]), ms(c["rm"]), c["fu"] / c["rm"]))
    row("idle RSS after the first operations and 40 requests", lambda c: mib(c["rss"]))
    keys = list(dict.fromkeys(k for c in cols for k in c["cats"]))
    for k in keys:
        row("&nbsp;&nbsp;NMT committed: %s" % k, lambda c, k=k: "%.1f MiB" % (c["cats"].get(k, 0) / 1024.0))
    row("`kmoddctl --version` (the wrapper's flags, median of 3)", lambda c: "%s (%.1fx)" % (ms(c["ctl"]), c["ctl"] / c["floor"]))
    lines.append("")
    if int(cols[-1]["feature"]) < 25:
        return
    try:  # the levers are an experiment: a failure is said in its table, the figures above stand
        levers(cols[-1], jdks_here)
    except Exception as e:
        import traceback
        log("levers: %s" % traceback.format_exc())
        lines.append("Memory levers: FAILED: `%s`\n" % re.sub(r"[|\n]", " ", repr(e))[:300])


def levers(newest, jdks_here):
    """On the newest JDK: idle RSS, the peak of a burst and RSS a while after it, for the unit's settings and for
    each memory lever, each with an archive made with its own settings (a cache made with other flags is not used)."""
    global JCMD
    feature = newest["feature"]
    java = [j for f, j, _ in jdks_here if f == feature][0]
    JCMD = [c for f, _, c in jdks_here if f == feature][0]
    env = dict(UNIT_ENV, KMODD_JAVA=java)
    serial = UNIT_OPTS
    g1 = re.sub(r"-XX:\+UseSerialGC", "-XX:+UseG1GC -XX:G1PeriodicGCInterval=5000", UNIT_OPTS)
    configs = [("as shipped (SerialGC)", serial, newest["archive"]),
               ("compact object headers (`-XX:+UseCompactObjectHeaders`, JEP 519)", serial + " -XX:+UseCompactObjectHeaders", None),
               ("G1 with periodic collections every 5 s (`-XX:+UseG1GC -XX:G1PeriodicGCInterval=5000`)", g1, None),
               ("both", g1 + " -XX:+UseCompactObjectHeaders", None)]
    rows = []
    for i, (label, opts, archive) in enumerate(configs):
        if archive is None:
            archive = archive_for(feature, "lever%d" % i)
            make_archive(java, archive, opts)
        ready = restart(opts + " -XX:NativeMemoryTracking=summary", archive, env)
        idle, _ = idle_memory()
        pid = kmodd_pid()
        peak = [0]
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kib(pid))
                time.sleep(0.1)
        w = threading.Thread(target=watch, daemon=True)
        w.start()
        wall = burst()
        stop.set()
        w.join()
        time.sleep(30)
        after = rss_kib(pid)
        heap = nmt().get("Java Heap", 0)
        rows.append("| %s | %s | %s | %s | %s | %s | %.1f MiB | %s |" % (
            label, ms(ready), mib(idle), ms(wall), mib(peak[0]), mib(after), heap / 1024.0,
            "yes" if maps_archive(archive) else "NO"))
        log("lever %s: idle %s, peak %s, after %s" % (label, mib(idle), mib(peak[0]), mib(after)))
        if archive != newest["archive"]:
            os.remove(archive)  # the guest's /tmp is memory
    lines.append("Memory levers on JDK %s: each row a fresh start with its own archive, idle RSS after 40 requests, "
                 "then a burst (32 connections, 40 reads each, the module list and the scrape in turn) with RSS "
                 "sampled every 100 ms, then 30 s idle:\n" % feature)
    lines.append("| settings | start to ready | idle RSS | burst wall | RSS peak | RSS 30 s after | heap committed after | archive mapped |")
    lines.append("|---|---|---|---|---|---|---|---|")
    lines.extend(rows)
    lines.append("")


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
        run("curl", "-sf", "-H", "Authorization: Bearer " + auth(), "-X", "POST",
            "http://127.0.0.1:8080/modules/dummy/load?wait=60s", check=True)
        c_load.append(time.perf_counter() - t)
        t = time.perf_counter()
        run("curl", "-sfN", "-H", "Authorization: Bearer " + auth(), "-H", "Accept: text/event-stream", "-X", "POST",
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
    wall, results = clients([path] * n)
    return wall, [status for _, status, _ in results]


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

    m_wall, m_cpu, _, m_failed = kmod_processes([["modprobe", "xfs"]] * n)
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
        n, ms(m_wall), ms(m_cpu), m_finit, m_failed))
    lines.append("Over the HTTP floor, 64 merged requests took %s against %s for one load: %.2fx.\n" % (
        ms(k_wall - http_floor), ms(single), (k_wall - http_floor) / single))


# ---------------------------------------------------------------- 3. patient-removal reaction
def gone_after(release_fd):
    t0 = time.perf_counter()
    os.close(release_fd)
    until("loop to be removed after its release", lambda: not os.path.exists("/sys/module/loop"), 60, every_s=0.001)
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


# ---------------------------------------------------------------- 6. scale
def daemon_state():
    """RSS (KiB), open descriptors, threads and CPU seconds of the running kmodd."""
    pid = kmodd_pid()
    with open("/proc/%d/status" % pid) as f:
        threads = int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))
    return {"rss": rss_kib(pid), "fds": len(os.listdir("/proc/%d/fd" % pid)), "threads": threads,
            "cpu": cpu_seconds(pid)}


def standalone_modules(want=100):
    """Modules of this kernel's tree with no dependencies, not loaded, that load and unload without
    hardware (each tried once with modprobe and rmmod); at most want of them."""
    kver = os.uname().release
    names = []
    with open("/lib/modules/%s/modules.dep" % kver) as f:
        for line in f:
            path, deps = line.split(":", 1)
            if deps.strip() or not re.match(r"kernel/(crypto|lib|fs/nls|net/(ipv4|ipv6|netfilter|sched))/", path):
                continue
            name = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", os.path.basename(path)).replace("-", "_")
            if re.search(r"test|tcrypt|inject|bench", name) or loaded(name):
                continue
            names.append(name)
    good = []
    for name in names:
        if len(good) >= want:
            break
        try:
            if subprocess.run(["modprobe", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=30).returncode != 0:
                continue
            if subprocess.run(["rmmod", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=30).returncode == 0 and not loaded(name):
                good.append(name)
        except subprocess.TimeoutExpired:
            pass
    return good


def clients(paths, accept="application/json", method="POST", per_client=1):
    """One thread per client, each on its own connection, all started at once (a barrier); each sends
    per_client requests in turn. Returns the wall time and (latency, status, body) per request."""
    results = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(paths))

    def client(mine):
        cc = conn()
        barrier.wait()
        for path in mine:
            t = time.perf_counter()
            try:
                status, body = request(cc, method, path, accept=accept)
            except Exception as e:  # a refused or dropped connection is an answer too, and is counted
                status, body = 0, repr(e).encode()
                cc = conn()
            with lock:
                results.append((time.perf_counter() - t, status, body))

    threads = [threading.Thread(target=client, args=(p if isinstance(p, list) else [p],), daemon=True)
               for p in paths]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t, results


def kmod_processes(cmds, parallel=None):
    """Runs the commands as processes, all at once (or parallel at a time); the wall time, the CPU of all of
    them, each one's latency and the failures."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    lat, failed = [], 0
    t = time.perf_counter()
    batch = parallel or len(cmds)
    for i in range(0, len(cmds), batch):
        started = {}
        for c in cmds[i:i + batch]:
            p = subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started[p.pid] = (time.perf_counter(), p)
        # Each process's latency ends when it ends, whichever ends first (not in the order started).
        while started:
            pid, status, _ = os.wait4(-1, 0)
            if pid not in started:
                continue
            t0, p = started.pop(pid)
            p.returncode = os.waitstatus_to_exitcode(status)
            lat.append(time.perf_counter() - t0)
            if p.returncode != 0:
                failed += 1
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), lat, failed


def outcome_of(status, body):
    """The job outcome an answer carries: the JSON job's state ("already loaded" when no job was needed), or
    the state of the SSE stream's outcome event."""
    text = body.decode(errors="replace")
    if text.startswith("{"):
        doc = json.loads(text)
        return "already loaded" if doc.get("alreadyLoaded") else doc.get("state", "?")
    m = re.search(r"^event:\s*outcome\s*$.*?^data:\s*(\{[^\r\n]*\})\s*$", text, re.M | re.S)
    return json.loads(m.group(1)).get("state", "?") if m else "no outcome"


def scale_row(rows, label, wall, results, s0, s1, kmod=None, cpu_wall=None):
    lat = [r[0] for r in results]
    statuses = {}
    for _, st, body in results:
        key = outcome_of(st, body) if st in (200, 202) else ("HTTP %d" % st if st else "no connection")
        statuses[key] = statuses.get(key, 0) + 1
    fivexx = sum(1 for _, st, _ in results if st >= 500 or st == 0)
    row = "| %s | %d | %s | %s / %s | %s | %.1f%% | %d / %d MiB | %d / %d | %d / %d | %d | %s |" % (
        label, len(results), ms(wall), ms(statistics.median(lat)), ms(pct(lat, 99)),
        ", ".join("%s %d" % kv for kv in sorted(statuses.items())), 100.0 * (s1["cpu"] - s0["cpu"]) / (cpu_wall or wall),
        s0["rss"] // 1024, s1["rss"] // 1024, s0["fds"], s1["fds"], s0["threads"], s1["threads"], fivexx,
        kmod or "")
    rows.append(row)
    log(row)
    return fivexx


def kmod_cell(label, k):
    wall, cpu, lat, failed = k
    return "%s: wall %s, p50/p99 %s / %s, CPU %s, %d failed" % (
        label, ms(wall), ms(statistics.median(lat)), ms(pct(lat, 99)), ms(cpu), failed)


def all_at_once(mods):
    """Every module loaded at once, one client each, then every one removed at once; the walls, the answers,
    the daemon's state before, between and after, and how many were gone at the end."""
    s0 = daemon_state()
    wall, res = clients(["/modules/%s/load?wait=120s" % m for m in mods])
    s1 = daemon_state()
    assert all(loaded(m) for m in mods), [m for m in mods if not loaded(m)]
    wall_u, res_u = clients(["/modules/%s/unload?timeout=60s" % m for m in mods], accept="text/event-stream")
    s2 = daemon_state()
    return wall, res, wall_u, res_u, s0, s1, s2, sum(1 for m in mods if not loaded(m))


def scale():
    log("scale: kmodd as shipped (the unit's settings and archive)")
    rows = []
    make_archives()
    restart(UNIT_OPTS, "/tmp/kmodd/trained.jsa", UNIT_ENV)
    at_rest = daemon_state()
    log("scale: choosing modules")
    mods = standalone_modules(100)
    log("scale: %d modules: %s" % (len(mods), " ".join(mods)))
    n = len(mods)
    # 1. Every module loaded at once, one client each; then every one removed at once (a removal's answer is
    # its whole event stream, to the end). kmod: the same with one process per module.
    wall, res, wall_u, res_u, s0, s1, s2, gone = all_at_once(mods)
    k_load = kmod_processes([["modprobe", m] for m in mods])
    k_unload = kmod_processes([["modprobe", "-r", m] for m in mods])
    scale_row(rows, "%d modules loaded at once (one client each)" % n, wall, res, s0, s1,
              kmod_cell("%d `modprobe` at once" % n, k_load))
    scale_row(rows, "the same %d removed at once (streams to the end; %d gone after)" % (n, gone), wall_u, res_u, s1, s2,
              kmod_cell("%d `modprobe -r` at once" % n, k_unload))
    # The same again: the first round ran just after kmodd's start (its JIT cold); this one shows the lanes
    # and the kernel with the daemon warm. kmod's tools have nothing to warm: their figures above stand.
    wall, res, wall_u, res_u, s0, s1, s2, gone = all_at_once(mods)
    scale_row(rows, "again, warm: %d modules loaded at once" % n, wall, res, s0, s1)
    scale_row(rows, "again, warm: the %d removed at once (%d gone after)" % (n, gone), wall_u, res_u, s1, s2)

    # 2. 1,000 clients spread over them: ten loads per module at once (merged per lane), then ten removals.
    per = 1000 // max(n, 1)
    s0 = daemon_state()
    wall, res = clients(["/modules/%s/load?wait=300s" % m for m in mods for _ in range(per)])
    s1 = daemon_state()
    wall_u, res_u = clients(["/modules/%s/unload?timeout=120s" % m for m in mods for _ in range(per)],
                            accept="text/event-stream")
    s2 = daemon_state()
    for m in mods:
        if loaded(m):
            run("rmmod", m)
    k_load = kmod_processes([["modprobe", m] for m in mods for _ in range(per)])
    k_unload = kmod_processes([["modprobe", "-r", m] for m in mods for _ in range(per)])
    for m in mods:
        if loaded(m):
            run("rmmod", m)
    scale_row(rows, "%d clients: %d loads per module at once" % (per * n, per), wall, res, s0, s1,
              kmod_cell("%d `modprobe` at once" % (per * n), k_load))
    scale_row(rows, "%d clients: %d removals per module at once" % (per * n, per), wall_u, res_u, s1, s2,
              kmod_cell("%d `modprobe -r` at once" % (per * n), k_unload))

    # 3. 500 subscribers on one waiting removal: loop held open, the removal waits; 500 event streams of the
    # job; then the holder goes. Latency: from the release to each stream's end (its outcome).
    run("modprobe", "loop", check=True)
    fd = os.open("/dev/loop0", os.O_RDONLY)
    c = conn()
    status, body = request(c, "POST", "/modules/loop/unload?timeout=10m")
    assert status == 202, body
    job = json.loads(body)["id"]
    subs = 500
    connected = threading.Semaphore(0)
    released = [None]
    res_sse = []
    lock = threading.Lock()

    def subscriber():
        cc = conn()
        try:
            cc.request("GET", "/jobs/%s/events" % job, headers={"Accept": "text/event-stream",
                                                                 "Authorization": "Bearer " + auth()})
            r = cc.getresponse()
            first = r.readline()
            connected.release()
            rest = r.read()
            end = time.perf_counter()
            with lock:
                res_sse.append((end - (released[0] or end), r.status, first + rest))
        except Exception as e:
            connected.release()
            with lock:
                res_sse.append((0.0, 0, repr(e).encode()))

    s0 = daemon_state()
    t = time.perf_counter()
    t_sub = t
    threads = [threading.Thread(target=subscriber, daemon=True) for _ in range(subs)]
    for th in threads:
        th.start()
    for _ in range(subs):
        connected.acquire()
    subscribed = time.perf_counter() - t
    time.sleep(2)
    s1 = daemon_state()
    released[0] = time.perf_counter()
    os.close(fd)
    for th in threads:
        th.join()
    wall = time.perf_counter() - released[0]
    s2 = daemon_state()
    scale_row(rows, "%d subscribers on one waiting removal: all subscribed in %s; latency from the holder's release to "
              "each stream's end" % (subs, ms(subscribed)), wall, res_sse, s0, s2,
              "while all %d were open: RSS %d MiB, %d descriptors, %d threads" % (
                  subs, s1["rss"] // 1024, s1["fds"], s1["threads"]), cpu_wall=time.perf_counter() - t_sub)

    # 4. 10,000 requests for names that exist nowhere, from 50 clients; kmod: modprobe for such names, 50
    # processes at a time (2,000 of them: a process each is the slow part, the ratio is per request).
    import random
    rnd = random.Random(17)
    names = ["nx_%016x" % rnd.getrandbits(64) for _ in range(10000)]
    s0 = daemon_state()
    wall, res = clients([["/modules/%s/load?wait=10s" % x for x in names[i::50]] for i in range(50)])
    s1 = daemon_state()
    k = kmod_processes([["modprobe", x] for x in names[:2000]], parallel=50)
    scale_row(rows, "10,000 loads of names that do not exist (50 clients)", wall, res, s0, s1,
              kmod_cell("2,000 `modprobe` of such names, 50 at a time", k) +
              "; per request: kmodd %s, modprobe %s" % (ms(wall / len(res)), ms(k[0] / 2000)))
    with open("/proc/modules") as f:
        left = sum(1 for line in f if line.split()[0] in set(mods))
    # Idle again: the request threads above the rest go after their keep-alive, connections are closed.
    time.sleep(40)
    idle = daemon_state()
    lines.append("## 4. Scale\n")
    lines.append("%d modules of this kernel's tree that load without hardware and have no dependencies (chosen "
                 "in this boot by loading and unloading each once): %s.\n" % (n, ", ".join(mods)))
    lines.append("Each row: requests (answers), wall time, answer latency p50 / p99, outcomes (a job's state, or "
                 "the HTTP status where no job was made), the daemon's CPU over the wall time (of one core), RSS, "
                 "open descriptors and threads before / after, 5xx or dropped connections, and kmod's tools "
                 "doing the same in the same boot.\n")
    lines.append("| run | requests | wall | p50 / p99 | outcomes | kmodd CPU | RSS | descriptors | threads | 5xx | kmod |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    lines.extend(rows)
    lines.append("\nAt rest before the runs (the unit's settings, just started): RSS %d MiB, %d descriptors, %d threads. "
                 "After them and 40 s idle: RSS %d MiB, %d descriptors, %d threads. Of the %d modules, %d still "
                 "loaded at the end.\n" % (at_rest["rss"] // 1024, at_rest["fds"], at_rest["threads"], idle["rss"] // 1024,
                                             idle["fds"], idle["threads"], n, left))


# ---------------------------------------------------------------- 4. scrape cost
def scrape():
    log("loading many modules for the scrape benchmark")
    kver = os.uname().release
    names = []
    # Modules that need no hardware: crypto, libraries, file systems, then network protocols and filters,
    # until at least 320 are loaded (they stay loaded for the start-up section).
    for sub in ("crypto", "lib", "fs", "net/ipv4", "net/ipv6", "net/netfilter", "net/sched"):
        for root, _, files in sorted(os.walk("/lib/modules/%s/kernel/%s" % (kver, sub))):
            for f in sorted(files):
                base = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", f)
                if base != f and not base.startswith("test_") and "inject" not in base:
                    names.append(base)
    def live():
        with open("/proc/modules") as f:
            return sum(1 for _ in f)

    for i in range(0, len(names), 40):
        if live() >= 320:
            break
        run("modprobe", "-a", "-q", *names[i:i + 40])
    count = live()
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
        run("curl", "-sf", "-H", "Authorization: Bearer " + auth(), "-o", "/dev/null", "http://127.0.0.1:8080/q/metrics")
        cu.append(time.perf_counter() - t)
    for _ in range(30):
        t = time.perf_counter()
        run("lsmod")
        ls.append(time.perf_counter() - t)
    series = len(re.findall(r"^kmodd_module_refcount\{", body.decode(), re.M))
    lines.append("## 5. Scrape with %d modules loaded (kmodd as shipped: the unit's settings and archive)\n" % count)
    lines.append("| | median | p99 | ratio to lsmod |")
    lines.append("|---|---|---|---|")
    lines.append("| `lsmod` (a process) | %s | %s | 1.00 |" % (ms(statistics.median(ls)), ms(pct(ls, 99))))
    lines.append("| `/q/metrics` over a kept-alive connection (as Prometheus scrapes) | %s | %s | %.2f |" % (
        ms(statistics.median(k)), ms(pct(k, 99)), statistics.median(k) / statistics.median(ls)))
    lines.append("| `curl /q/metrics` (a process) | %s | %s | %.2f |" % (
        ms(statistics.median(cu)), ms(pct(cu, 99)), statistics.median(cu) / statistics.median(ls)))
    lines.append("\nThe scrape is %d KiB with %d per-module refcount series.\n" % (size // 1024, series))


def main():
    kver = os.uname().release
    kmodv = subprocess.run(["modprobe", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    javav = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sections = [latency, concurrent, reaction, scale, scrape, startup, jdks]
    # BENCH_SECTIONS (a file beside the report, written by benchmark.sh): run only the named sections.
    only = os.path.join(os.path.dirname(OUT), "sections")
    if os.path.exists(only):
        wanted = open(only).read().split()
        sections = [s for s in sections if s.__name__ in wanted]
    for s in sections:
        try:
            s()
        except Exception as e:  # a broken section is reported, the others still run
            import traceback
            lines.append("## %s: FAILED\n\n`%r`\n" % (s.__name__, e))
            log("%s failed: %s" % (s.__name__, traceback.format_exc()))
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
