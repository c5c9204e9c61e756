#!/usr/bin/env python3
"""The client side of endurance.sh (which starts the cluster and injects the faults):

  endurance.py load DIR      RESP and HTTP load through every router, a ring poller per router and
                             /proc samples of every process, until DIR/stop appears; writes DIR/load.json
  endurance.py agree DIR S   waits (at most S seconds) until every router answers and all show the
                             same checksum per service with every backend owning keys; exit 1 if not
  endurance.py report DIR    the summary: one PASS/FAIL line per criterion; exit 1 on any FAIL

DIR/cluster.json (written by endurance.sh) names the routers' ports, the services and their backends.
Standard library only: the point is a client that records every answer, not throughput.
"""
import http.client
import json
import os
import random
import socket
import sys
import threading
import time

POLL_INTERVAL = 0.25  # s between RING.NODES polls of one router; the tolerance of the wrong-owner check
POLL_GAP = 1.0  # s: a poll further than this from an answer does not describe the ring that answered
SAMPLE_INTERVAL = 5.0  # s between /proc samples
WARM_UP_S = 600.0  # s of a process's life before its memory is judged (the report explains why)


# ---------------------------------------------------------------- RESP


class Resp:
    """A minimal RESP2 client over one socket; replies are str, int, list, or RespError."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, commands):
        out = bytearray()
        for args in commands:
            out += b"*%d\r\n" % len(args)
            for a in args:
                a = a.encode() if isinstance(a, str) else a
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the router")
            self.buf += chunk

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the router")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        if kind in (b"*", b"%"):
            n = int(rest) * (2 if kind == b"%" else 1)
            return [self.reply() for _ in range(n)]
        raise ConnectionError("unexpected RESP reply %r" % line[:40])

    def call(self, *args):
        self.send([args])
        return self.reply()


class RespError(str):
    pass


def fields(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def owners(port, service):
    """Endpoints owning keys on the router's ring of SERVICE (share > 0)."""
    c = Resp(port, timeout=2.0)
    try:
        reply = c.call("RING.NODES", service)
    finally:
        c.close()
    return {fields(n)["endpoint"] for n in reply if float(fields(n)["share"]) > 0}


def services(port):
    c = Resp(port, timeout=2.0)
    try:
        reply = c.call("RING.SERVICES")
    finally:
        c.close()
    return {fields(s)["name"]: fields(s) for s in reply}


# ---------------------------------------------------------------- load


class Load:
    def __init__(self, d):
        self.dir = d
        self.cluster = json.load(open(os.path.join(d, "cluster.json")))
        self.routers = self.cluster["routers"]  # [{name, resp, http}]
        self.services = self.cluster["services"]  # {name: {"prefix": "/web/", "backends": {endpoint: body}}}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.resp_batches = {r["name"]: [] for r in self.routers}  # (sent, received, {(service, endpoint): n})
        self.polls = {r["name"]: [] for r in self.routers}  # (sent, received, {service: [owners]})
        self.resp_counts = {"lookups": 0, "answered": 0}
        self.http_counts = {"requests": 0, "ok": 0, "moved-to-other-router": 0, "stale-connection-reopened": 0}
        self.events = []  # first-attempt errors: {t, router, proto, class, final}
        # (t, name, pid, rss_kb, fds, live kB at the last gen2 collection or None, anonymous RSS kB, file-backed RSS kB,
        #  GC committed kB or None, heap size after the last collection kB or None, fragmented kB or None,
        #  gen2 collections so far or None)
        self.samples = []
        self.metrics_ports = self.cluster.get("metrics", {})  # {process name: port serving /metrics}: nodes and services
        self.keys = ["k%d" % i for i in range(2000)]

    def event(self, router, proto, cls, final=False):
        with self.lock:
            self.events.append({"t": time.time(), "router": router, "proto": proto, "class": cls, "final": final})

    # RESP: pipelines of GET (default service) and RING.GET (the other services), about 40 a second per router.
    def resp_loop(self, router, seed):
        rnd = random.Random(seed)
        names = sorted(self.services)
        client = None
        while not self.stop.is_set():
            try:
                if client is None:
                    client = Resp(router["resp"])
                batch = []
                for _ in range(16):
                    service = rnd.choice(names)
                    key = "/%s/%s" % (service, rnd.choice(self.keys))
                    batch.append((service, ("GET", key) if service == "default" else ("RING.GET", service, key)))
                sent = time.time()
                client.send([c for _, c in batch])
                replies = [client.reply() for _ in batch]
                received = time.time()
                answers = {}
                errors = []
                for (service, _), r in zip(batch, replies):
                    if isinstance(r, RespError) or not isinstance(r, str):
                        errors.append("error reply: %s" % r)
                    else:
                        answers[(service, r)] = answers.get((service, r), 0) + 1
                with self.lock:
                    self.resp_counts["lookups"] += len(batch)
                    self.resp_counts["answered"] += len(batch) - len(errors)
                    self.resp_batches[router["name"]].append((sent, received, answers))
                # a client asks the other router on an error reply (as the nginx front does): not final here
                for e in errors:
                    self.event(router["name"], "resp", e)
            except (OSError, ConnectionError) as e:
                self.event(router["name"], "resp", "connection: %s" % type(e).__name__)
                if client is not None:
                    client.close()
                client = None
                self.stop.wait(0.2)
                continue
            self.stop.wait(0.025)
        if client is not None:
            client.close()

    def poll_loop(self, router):
        client = None
        names = sorted(self.services)
        while not self.stop.is_set():
            try:
                if client is None:
                    client = Resp(router["resp"], timeout=2.0)
                sent = time.time()
                client.send([("RING.NODES", s) for s in names])
                replies = [client.reply() for _ in names]
                received = time.time()
                ring = {}
                for s, r in zip(names, replies):
                    # an error (a router that does not know the service yet) is a ring without owners
                    ring[s] = [] if isinstance(r, RespError) else sorted(
                        fields(n)["endpoint"] for n in r if float(fields(n)["share"]) > 0)
                with self.lock:
                    self.polls[router["name"]].append((sent, received, ring))
            except (OSError, ConnectionError, ValueError, KeyError, TypeError, IndexError):
                if client is not None:
                    client.close()
                client = None
            self.stop.wait(POLL_INTERVAL)
        if client is not None:
            client.close()

    # HTTP: one keep-alive client per router and service, about 50 requests a second each. A request whose router
    # fails it (connection error, non-2xx, wrong body) is recorded and sent once to the other router, as a front of
    # two routers would; it failed only when that fails too.
    # A keep-alive connection the router closed while it sat idle (the other router's, between failovers) fails the next
    # request before any byte of an answer: like every HTTP client, send it again once on a new connection (counted).
    def http_get(self, conns, router, path):
        reused = router["name"] in conns
        status, body = self.http_attempt(conns, router, path)
        if status is None and reused and body in ("RemoteDisconnected", "BrokenPipeError", "ConnectionResetError"):
            with self.lock:
                self.http_counts["stale-connection-reopened"] += 1
            status, body = self.http_attempt(conns, router, path)
        return status, body

    def http_attempt(self, conns, router, path):
        conn = conns.get(router["name"])
        if conn is None:
            conn = conns[router["name"]] = http.client.HTTPConnection("127.0.0.1", router["http"], timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode(errors="replace").strip()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conns.pop(router["name"], None)
            return response.status, body
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            conns.pop(router["name"], None)
            return None, type(e).__name__

    def http_loop(self, index, service, seed):
        rnd = random.Random(seed)
        spec = self.services[service]
        conns = {}
        while not self.stop.is_set():
            path = spec["prefix"] + rnd.choice(self.keys)
            router = self.routers[index % len(self.routers)]
            other = self.routers[(index + 1) % len(self.routers)]
            ok = False
            for attempt, target in enumerate((router, other)):
                status, body = self.http_get(conns, target, path)
                if status is not None and 200 <= status < 300 and body in spec["backends"].values():
                    ok = True
                    break
                if status is None:
                    cls = "connection: %s" % body
                elif 200 <= status < 300:
                    cls = "2xx from a backend of another service: %r" % body[:60]
                else:
                    cls = "HTTP %d: %s" % (status, body.splitlines()[0][:100] if body else "")
                self.event(target["name"], "http", cls, final=attempt == 1)
            with self.lock:
                self.http_counts["requests"] += 1
                if ok:
                    self.http_counts["ok"] += 1
                    if attempt == 1:
                        self.http_counts["moved-to-other-router"] += 1
            self.stop.wait(0.02)

    def sample_loop(self):
        pids = os.path.join(self.dir, "pids")
        while not self.stop.is_set():
            now = time.time()
            for name in sorted(os.listdir(pids)):
                try:
                    pid = int(open(os.path.join(pids, name)).read().strip())
                    status = {}
                    for line in open("/proc/%d/status" % pid):
                        if line.startswith(("VmRSS:", "RssAnon:", "RssFile:")):
                            status[line.split(":")[0]] = int(line.split()[1])
                    fds = len(os.listdir("/proc/%d/fd" % pid))
                except (OSError, ValueError):
                    continue
                live, committed, heap, fragmented, gen2 = self.heap_kb(name)
                self.samples.append((now, name, pid, status.get("VmRSS", 0), fds, live,
                                     status.get("RssAnon", 0), status.get("RssFile", 0), committed,
                                     heap, fragmented, gen2))
            self.stop.wait(SAMPLE_INTERVAL)

    def heap_kb(self, name):
        """(live bytes at the last gen2 collection, bytes the GC has committed, heap size and fragmented bytes after
        the last collection, in kB; gen2 collections so far) from /metrics (dotnet_gc_live_after_gen2_bytes,
        dotnet_gc_committed_bytes, dotnet_gc_heap_size_bytes, dotnet_gc_fragmented_bytes,
        dotnet_collection_count_total{generation="2"}); None where not known."""
        port = self.metrics_ports.get(name)
        live = committed = heap = fragmented = gen2 = None
        if port is None:
            return live, committed, heap, fragmented, gen2
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/metrics")
            for line in conn.getresponse().read().decode("utf-8", "replace").splitlines():
                if line.startswith("dotnet_gc_live_after_gen2_bytes "):
                    value = float(line.split()[1])
                    live = value / 1024 if value > 0 else None  # 0 until the process's first gen2 collection
                elif line.startswith("dotnet_gc_committed_bytes "):
                    committed = float(line.split()[1]) / 1024
                elif line.startswith("dotnet_gc_heap_size_bytes "):
                    heap = float(line.split()[1]) / 1024
                elif line.startswith("dotnet_gc_fragmented_bytes "):
                    fragmented = float(line.split()[1]) / 1024
                elif line.startswith('dotnet_collection_count_total{generation="2"} '):
                    gen2 = int(float(line.split()[1]))
        except (OSError, ValueError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        return live, committed, heap, fragmented, gen2

    def run(self):
        threads = []
        for i, r in enumerate(self.routers):
            threads.append(threading.Thread(target=self.resp_loop, args=(r, 1000 + i)))
            threads.append(threading.Thread(target=self.poll_loop, args=(r,)))
        for i, s in enumerate(sorted(self.services)):
            for j in range(len(self.routers)):
                threads.append(threading.Thread(target=self.http_loop, args=(i + j, s, 2000 + 10 * i + j)))
        threads.append(threading.Thread(target=self.sample_loop))
        for t in threads:
            t.daemon = True
            t.start()
        started = time.time()
        while not os.path.exists(os.path.join(self.dir, "stop")):
            time.sleep(0.2)
        self.stop.set()
        for t in threads:
            t.join(15)
        result = {
            "started": started,
            "stopped": time.time(),
            "resp": self.resp_counts,
            "http": self.http_counts,
            "events": self.events,
            "samples": self.samples,
            "wrong_owner": self.check_owners(),
            "polls": {r: len(p) for r, p in self.polls.items()},
            "ring_history": {r: self.history(p) for r, p in self.polls.items()},
        }
        with open(os.path.join(self.dir, "load.json"), "w") as f:
            json.dump(result, f)

    @staticmethod
    def history(polls):
        """The distinct rings a router showed, in order, with when each was first seen."""
        out, last = [], None
        for _, received, ring in polls:
            if ring != last:
                out.append([received, ring])
                last = ring
        return out

    def check_owners(self):
        """Every RESP answer against the router's polled rings: an answer (request sent at s, reply read at r) is on
        the ring when the endpoint owned keys of its service in a poll of that router whose reply arrived within
        [s - POLL_INTERVAL, r + POLL_INTERVAL], or in the last poll before s or the first after r; answers without a
        poll within POLL_GAP on each side are not judged."""
        checked, wrong, examples, unverifiable = 0, 0, [], 0
        for name, batches in self.resp_batches.items():
            polls = self.polls[name]
            times = [p[1] for p in polls]
            import bisect
            for sent, received, answers in batches:
                lo = bisect.bisect_left(times, sent - POLL_INTERVAL)
                hi = bisect.bisect_right(times, received + POLL_INTERVAL)
                window = polls[max(lo - 1, 0):hi + 1]
                count = sum(answers.values())
                if (not window or window[0][1] > sent or window[-1][1] < received
                        or sent - window[0][1] > POLL_GAP or window[-1][1] - received > POLL_GAP):
                    # no poll before or none after this answer (the very start or end of the run), or the nearest on a
                    # side more than POLL_GAP away: a router killed right after answering is polled next as a new
                    # incarnation, whose ring says nothing of the one that answered (a CI smoke run saw such an answer,
                    # given 130 ms after the last poll, judged against the restarted router's empty ring): not judged
                    unverifiable += count
                    continue
                for (service, endpoint), n in answers.items():
                    checked += n
                    if not any(endpoint in p[2].get(service, ()) for p in window):
                        wrong += n
                        if len(examples) < 20:
                            examples.append({"router": name, "t": received, "service": service, "endpoint": endpoint, "count": n,
                                             "rings": [[p[1], p[2].get(service)] for p in window]})
        return {"checked": checked, "wrong": wrong, "unverifiable": unverifiable, "examples": examples,
                "tolerance_s": POLL_INTERVAL}


# ---------------------------------------------------------------- agree


def agreement(cluster):
    """(True, text) when every router answers with one checksum per service and every backend owns keys."""
    seen = {}
    for r in cluster["routers"]:
        try:
            svc = services(r["resp"])
        except (OSError, ConnectionError, ValueError, KeyError, TypeError) as e:
            return False, "%s: %s" % (r["name"], type(e).__name__)
        for s, spec in cluster["services"].items():
            info = svc.get(s)
            if info is None:
                return False, "%s: no ring for service %s" % (r["name"], s)
            if int(info["owners"]) != len(spec["backends"]) or int(info["members"]) != len(spec["backends"]):
                return False, "%s: service %s has %s members, %s owners" % (r["name"], s, info["members"], info["owners"])
            seen.setdefault(s, set()).add(info["checksum"])
    split = {s: sorted(c) for s, c in seen.items() if len(c) > 1}
    if split:
        return False, "checksums differ: %s" % split
    return True, " ".join("%s=%s" % (s, next(iter(c))) for s, c in sorted(seen.items()))


def agree(d, seconds):
    cluster = json.load(open(os.path.join(d, "cluster.json")))
    deadline = time.time() + seconds
    while True:
        ok, text = agreement(cluster)
        if ok:
            print(text)
            return 0
        if time.time() > deadline:
            print(text)
            return 1
        time.sleep(0.2)


# ---------------------------------------------------------------- report


def slope_per_hour(points):
    n = len(points)
    if n < 3:
        return 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return 0.0 if sxx == 0 else sum((p[0] - mx) * (p[1] - my) for p in points) / sxx * 3600


def report(d):
    cluster = json.load(open(os.path.join(d, "cluster.json")))
    load = json.load(open(os.path.join(d, "load.json")))
    faults = [json.loads(line) for line in open(os.path.join(d, "faults.jsonl"))]
    final = open(os.path.join(d, "final-agreement.txt")).read().strip()
    exits_file = os.path.join(d, "exits.jsonl")
    exits = [json.loads(line) for line in open(exits_file)] if os.path.exists(exits_file) else []
    lines, failed = [], False

    def criterion(ok, text):
        nonlocal failed
        failed |= not ok
        lines.append("%s  %s" % ("PASS" if ok else "FAIL", text))

    # Router restarts: the design does not retry across routers (a client's front moves to the other router), so an
    # attempt at a router between its signal and 2 s after it answered again is counted apart.
    grace = 2.0
    down = [(f["target"], f["start"], f["end"] + grace, "a restarting router") for f in faults if f["kind"].startswith("router-")]
    down += [(x["name"], x["start"], x["end"] + grace, "a router down after an unplanned exit") for x in exits
             if x["name"].startswith("router-")]

    def at_down_router(e):
        return next((what for r, s, t, what in down if e["router"] == r and s <= e["t"] <= t), None)

    classes = {}
    counted = {"http": 0, "resp": 0}
    for e in load["events"]:
        where = at_down_router(e)
        if where and not e["final"]:
            key = "%s %s at %s (the client moves to the other router)" % (e["proto"], e["class"], where)
        else:
            key = "%s %s%s" % (e["proto"], e["class"], " (final: the other router failed too)" if e["final"] else "")
            counted[e["proto"]] += 1
        classes[key] = classes.get(key, 0) + 1
    duration = load["stopped"] - load["started"]
    kinds = {}
    for f in faults:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    unrecovered = [f for f in faults if not f.get("recovered")]

    http, resp = load["http"], load["resp"]
    http_failed = http["requests"] - http["ok"]
    print("endurance: %.0f s of load, %d faults (%s)" % (duration, len(faults),
                                                         ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
    print("  HTTP: %d requests, %d ok, %d failed; %d moved to the other router; %d sent again on a new connection after "
          "an idle keep-alive connection was found closed" % (http["requests"], http["ok"], http_failed,
                                                               http["moved-to-other-router"], http.get("stale-connection-reopened", 0)))
    print("  RESP: %d lookups, %d answered" % (resp["lookups"], resp["answered"]))
    for k, n in sorted(classes.items(), key=lambda kv: -kv[1]):
        print("    %6d  %s" % (n, k))
    wo = load["wrong_owner"]
    print("  wrong-owner check: %d answers checked against %s ring polls (tolerance %.2f s), %d not judged (no poll "
          "on one side), %d wrong" % (wo["checked"], "+".join(str(v) for v in load["polls"].values()),
                                      wo["tolerance_s"], wo["unverifiable"], wo["wrong"]))
    for ex in wo["examples"][:5]:
        print("    e.g. %s" % json.dumps(ex)[:400])
    for r, h in load["ring_history"].items():
        print("  %s showed %d distinct rings" % (r, len(h)))

    # Memory and descriptors per process incarnation, after a warm-up of a fifth of its life, at least WARM_UP_S. The
    # warm-up is 10 minutes because that is how long an akkarouter process's memory was measured to take to settle
    # in a 30-minute run (2026-12-05): its live objects rise to a plateau (about 40 MB: rings, the replicated state,
    # Akka's and Kestrel's pools) and RSS follows as the GC sizes its generations; from then on both stayed flat
    # through 40 more faults. A 60 s warm-up judged that settling as growth.
    by = {}
    for t, name, pid, rss, fds, *more in load["samples"]:
        more = list(more) + [None] * (4 - len(more))  # older load.json files carry fewer fields
        by.setdefault((name, pid), []).append((t, rss, fds, more[0], more[1], more[2], more[3]))
    judged_min = min(600.0, duration / 2)
    print("  RSS MB / open fds per process incarnation (after warm-up; judged when it lived >= %.0f s after it):" % judged_min)
    print("    %-12s %7s %6s  %-22s %-12s %-16s %-12s %s" % ("process", "pid", "life s", "RSS first/last/max", "slope MB/h",
                                                          "fds first/last/max", "slope fds/h", "live after gen2 MB first/last, slope MB/h"))
    growth_bad = []
    judged_count = 0
    kinds_rows = {}
    split_rows = []
    for (name, pid), s in sorted(by.items()):
        life = s[-1][0] - s[0][0]
        warm = s[0][0] + max(WARM_UP_S, life / 5)
        after = [x for x in s if x[0] >= warm]
        if len(after) < 3:
            continue
        rss = [x[1] / 1024 for x in after]
        fds = [x[2] for x in after]
        rs = slope_per_hour([(x[0], x[1] / 1024) for x in after])
        fs = slope_per_hour([(x[0], x[2]) for x in after])
        span = after[-1][0] - after[0][0]
        judged = span >= judged_min
        # Live managed bytes at each process's last gen2 collection (akkarouter processes): growth there is live
        # objects, a leak; RSS growth without it is garbage awaiting a collection, the runtime or native memory.
        heap = [(x[0], x[3] / 1024) for x in after if x[3] is not None]
        heap_text = "%6.1f/%6.1f, %+7.1f" % (heap[0][1], heap[-1][1], slope_per_hour(heap)) if len(heap) >= 3 else "-"
        print("    %-12s %7d %6.0f  %6.0f/%6.0f/%6.0f   %+9.1f    %4d/%4d/%4d     %+8.1f     %s%s" % (
            name, pid, life, rss[0], rss[-1], max(rss), rs, fds[0], fds[-1], max(fds), fs, heap_text,
            "" if judged else "  (not judged: short)"))
        kind = name.rstrip("0123456789").rstrip("-")
        kinds_rows.setdefault(kind, []).append((rss[0], rss[-1], max(rss), fds[0], fds[-1], max(fds),
                                                heap[0][1] if heap else None, heap[-1][1] if heap else None))
        if judged:
            judged_count += 1
            split_rows.append((name, pid, after))
            # Flat: the fitted growth over the judged span stays within 10 % of the first value (at least 16 MB) for
            # memory, and within 10 descriptors for fds; and the last value is not the run's maximum by that margin.
            rss_growth = rs * span / 3600
            fd_growth = fs * span / 3600
            # Live objects (akkarouter processes): the fitted growth within 10 % of the first value, at least 8 MB.
            heap_growth = slope_per_hour(heap) * span / 3600 if len(heap) >= 3 else 0.0
            if rss_growth > max(16.0, rss[0] * 0.10) or fd_growth > 10 or (heap and heap_growth > max(8.0, heap[0][1] * 0.10)):
                growth_bad.append("%s (pid %d): RSS %+.0f MB%s, fds %+.0f over %.0f s" % (
                    name, pid, rss_growth, " (live after gen2 %+.0f MB)" % heap_growth if heap else "", fd_growth, span))
    with open(os.path.join(d, "per-kind.json"), "w") as f:
        json.dump(kinds_rows, f)
    if split_rows:
        # Where the RSS of each judged process is, and what grew: anonymous memory (the GC's heap among it), shared
        # memory (in .NET the JIT's code, mapped twice for write-xor-execute, so it grows as methods are compiled and
        # recompiled by tier) and file-backed pages (code of the runtime's and the product's images as it gets
        # touched); each first/last and its fitted growth over the judged span.
        print("  RSS split per judged process (MB first/last, fitted growth over the judged span):")
        print("    %-12s %7s  %-22s %-22s %-22s %s" % ("process", "pid", "anonymous", "shared", "file-backed", "GC committed"))
        for name, pid, after in split_rows:
            span = after[-1][0] - after[0][0]

            def part(value):
                points = [(x[0], value(x) / 1024) for x in after if value(x) is not None]
                if len(points) < 3 or all(v == 0 for _, v in points):
                    return "-"
                return "%5.0f/%5.0f, %+6.1f" % (points[0][1], points[-1][1], slope_per_hour(points) * span / 3600)
            shared = lambda x: x[1] - x[4] - x[5] if x[4] is not None and x[5] is not None else None
            print("    %-12s %7d  %-22s %-22s %-22s %s" % (name, pid, part(lambda x: x[4]), part(shared),
                                                          part(lambda x: x[5]), part(lambda x: x[6])))

    criterion(http_failed == 0 and counted["http"] == 0 and http["ok"] > 0,
              "HTTP: %d of %d requests failed; %d failed attempts outside router restarts (goal 0)" % (
                  http_failed, http["requests"], counted["http"]))
    criterion(counted["resp"] == 0 and resp["answered"] > 0,
              "RESP: %d of %d lookups answered; %d errors outside router restarts (goal 0)" % (
                  resp["answered"], resp["lookups"], counted["resp"]))
    criterion(wo["wrong"] == 0 and wo["checked"] > 0,
              "wrong-owner answers: %d of %d checked (goal 0)" % (wo["wrong"], wo["checked"]))
    if judged_count == 0:
        lines.append("SKIP  RSS, live objects and fds flat after warm-up: no process lived %.0f s past its warm-up (a run too short to judge)" % judged_min)
    else:
        criterion(not growth_bad, "RSS, live objects and fds flat after warm-up (%d process incarnations judged)%s" % (
            judged_count, ": " + "; ".join(growth_bad) if growth_bad else ""))
    criterion(final.startswith("agree"), "routers' rings at the end: %s" % final)
    criterion(not exits, "unplanned exits (a process gone without a fault stopping it; started again): %d%s" % (
        len(exits), "".join("\n      %s pid %d, last seen running at %s, rings agreeing again %.1f s later: %s" % (
            x["name"], x["pid"], time.strftime("%H:%M:%S", time.gmtime(x["start"])), x["end"] - x["start"],
            x["recovered"]) for x in exits)))
    criterion(len(faults) > 0 and not unrecovered,
              "faults: %d injected, every faulted component back (%s)" % (
                  len(faults), "all recovered" if not unrecovered else "not recovered: %s" % ", ".join(
                      "fault %d %s %s" % (f["n"], f["kind"], f["target"]) for f in unrecovered)))
    for line in lines:
        print(line)
    print("endurance: %s" % ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "load":
        Load(sys.argv[2]).run()
    elif len(sys.argv) >= 4 and sys.argv[1] == "agree":
        sys.exit(agree(sys.argv[2], float(sys.argv[3])))
    elif len(sys.argv) >= 3 and sys.argv[1] == "report":
        sys.exit(report(sys.argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
