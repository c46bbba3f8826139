"""What the packaged unit (systemd/kmodd.service) starts the JVM with, for the scripts that start kmodd as the
unit does: the benchmarks in the guest (src/test/guest/bench.py) and the floods (src/test/flood/flood.py)."""
import os
import re
import shlex


def unit_jvm(project, archive=None):
    """The unit's JVM options (ExecStart's -X options, in order) and its Environment= settings (a dict). The
    unit's launcher (kmodd-java) adds the installed start-up archive: here archive is added instead, as a
    class-data-sharing archive, or none when archive is None; the unit's -XX:ErrorFile (its state directory)
    is left out."""
    text = open(os.path.join(project, "systemd", "kmodd.service")).read().replace("\\\n", " ")
    words = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))
    opts = []
    for w in words[1:words.index("-jar")]:
        if w.startswith("-XX:ErrorFile="):
            continue  # the unit's state directory; a benchmark's JVM writes its report where it runs
        elif w.startswith("-X"):
            opts.append(w)
    if archive:
        opts.append("-XX:SharedArchiveFile=" + archive)
    env = {}
    for line in re.findall(r"^Environment=(.*)$", text, re.M):  # one or more assignments, maybe quoted
        env.update(kv.split("=", 1) for kv in shlex.split(line))
    return opts, env
