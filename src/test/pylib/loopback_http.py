"""HTTP to a kmodd on 127.0.0.1 for the flood script: one request, many on keep-alive connections, and the
figures taken of their answers. Standard library only, so it runs wherever python3 does."""
import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def free_port():
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port, timeout=30):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def request(port, method, path, token=None, body=None, headers=None, conn=None):
    """One request, on conn or a new connection: (status, seconds, body bytes, response)."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    c = conn or connect(port)
    t0 = time.perf_counter()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, time.perf_counter() - t0, data, r


def many(port, n, workers, one):
    """Runs one(conn, i) for i in range(n) on workers threads, each with its own keep-alive connection; a
    request the connection failed under counts as ("error", 0) and the worker goes on with a new one."""
    results, lock = [], threading.Lock()

    def worker(k):
        conn = connect(port)
        for i in range(k, n, workers):
            try:
                r = one(conn, i)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = connect(port)
                r = ("error", 0)
            with lock:
                results.append(r)
    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(worker, range(workers)))
    return results


def p99(seconds):
    """The 99th percentile of the given durations, in milliseconds to a tenth; None for none."""
    xs = sorted(seconds)
    return round(xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000, 1) if xs else None


def codes(statuses):
    """How many answers had each status, keyed by the status as text (JSON's keys)."""
    out = {}
    for c in statuses:
        out[str(c)] = out.get(str(c), 0) + 1
    return out


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
