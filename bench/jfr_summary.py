#!/usr/bin/env python3
"""Where a JFR recording's execution samples went: jfr_summary.py FILE.jfr [TOP] [FRAME ...].

An area is the library of the first frame from the top outside the JDK (JDK frames above it count for that
library: a HashMap look-up inside pgjdbc is pgjdbc's), unless a JDK frame above it is logging, regex, crypto or
reflection, which are named apart.
Reads `jfr print --stack-depth 96 --events jdk.ExecutionSample` (the JDK's jfr tool, $JAVA_HOME/bin/jfr) and prints:
  - samples by thread group (thread names without digits; virtual threads by their name's prefix),
  - samples by area: the first frame of the stack (from the top) that matches one of AREAS below,
  - the TOP self frames (the top frame of each sample), and
  - the TOP frames of our own code (io.tollgate) counted once per sample that has them anywhere on its stack, and
  - for each FRAME given (a substring of a frame, e.g. Worker.claimLoop or DbExecuteBase.generateName): the samples
    that have it anywhere on their stack (inclusive), or whose thread name starts with it (thread:NAME).
Shares are of all samples in the recording."""
import collections, os, re, subprocess, sys

# (area, frame prefix): the first match from the top of the stack names the sample's area; order matters (more
# specific first)
AREAS = [
    ("JSON (Jackson)", "com.fasterxml.jackson."),
    ("JDBC driver (pgjdbc)", "org.postgresql."),
    ("connection pool (Hikari)", "com.zaxxer.hikari."),
    ("DbClient (Helidon)", "io.helidon.dbclient."),
    ("HTTP client (Helidon webclient)", "io.helidon.webclient."),
    ("Helidon HTTP/common", "io.helidon.http."),
    ("Helidon common (buffers, sockets)", "io.helidon.common."),
    ("Helidon web server", "io.helidon.webserver."),
    ("Helidon fault tolerance (breaker)", "io.helidon.faulttolerance."),
    ("Helidon metrics / Micrometer", "io.helidon.metrics."),
    ("Helidon metrics / Micrometer", "io.micrometer."),
    ("Caffeine", "com.github.benmanes.caffeine."),
    ("logging (JUL)", "java.util.logging."),
    ("regex", "java.util.regex."),
    ("TLS / crypto", "sun.security."),
    ("TLS / crypto", "javax.crypto."),
    ("TLS / crypto", "com.sun.crypto."),
    ("tollgate: observe", "io.tollgate.api.observe."),
    ("tollgate: upstream", "io.tollgate.api.upstream."),
    ("tollgate: gorgias", "io.tollgate.api.gorgias."),
    ("tollgate: shopify", "io.tollgate.api.shopify."),
    ("tollgate: draft", "io.tollgate.api.draft."),
    ("tollgate: orders", "io.tollgate.api.orders."),
    ("tollgate: helpdesk", "io.tollgate.api.helpdesk."),
    ("tollgate: events / queue", "io.tollgate.api.events."),
    ("tollgate: worker", "io.tollgate.api.worker."),
    ("tollgate: ingest", "io.tollgate.api.ingest."),
    ("tollgate: other", "io.tollgate."),
    ("threads, locks, virtual-thread scheduling", "java.util.concurrent."),
    ("threads, locks, virtual-thread scheduling", "java.lang.VirtualThread"),
    ("threads, locks, virtual-thread scheduling", "jdk.internal.vm.Continuation"),
    ("threads, locks, virtual-thread scheduling", "jdk.internal.misc.Unsafe.park"),
    ("sockets, NIO", "sun.nio."),
    ("sockets, NIO", "java.net."),
    ("sockets, NIO", "java.nio."),
    ("sockets, NIO", "jdk.internal.net."),
    ("JDK: text, collections, time", "java."),
    ("JDK: other", "jdk."),
    ("JDK: other", "sun."),
]

JDK = ("java.", "javax.", "jdk.", "sun.", "com.sun.")
# JDK work named for what it is when it comes before (above) the first frame outside the JDK
JDK_AREAS = [
    ("logging (JUL)", "java.util.logging."),
    ("regex", "java.util.regex."),
    ("TLS / crypto", "sun.security."),
    ("TLS / crypto", "javax.crypto."),
    ("TLS / crypto", "com.sun.crypto."),
    ("reflection, method handles", "java.lang.invoke."),
    ("reflection, method handles", "jdk.internal.reflect."),
    ("reflection, method handles", "java.lang.reflect."),
]

FRAME = re.compile(r"^\s+([\w$.<>/]+)\(")


def events(path):
    jfr = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "jfr")
    out = subprocess.run([jfr, "print", "--stack-depth", "96", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    thread, frames, in_stack = None, [], False
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("jdk.ExecutionSample"):
            thread, frames, in_stack = None, [], False
        elif s.startswith("sampledThread"):
            m = re.search(r'"([^"]*)"', s)
            thread = m.group(1) if m else "?"
            if "virtual" in s and not thread:
                thread = "(virtual)"
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
        elif in_stack:
            m = FRAME.match(line)
            if m:
                frames.append(m.group(1))
        elif s == "}" and thread is not None:
            yield thread, frames
            thread = None


def group(thread):
    if thread.startswith("helidon-socket-monitor-"):
        return "helidon-socket-monitor-* (virtual: an idle kept-alive upstream connection's watch)"
    if thread.endswith("WebServer socket"):
        return "WebServer socket (virtual: an HTTP connection to the gateway)"
    if thread.startswith("tollgate-job-"):
        return "tollgate-job-* (virtual)"
    if thread.startswith("upstream-"):
        return "upstream-* (virtual)"
    return re.sub(r"[0-9]+", "", thread) or "(unnamed)"


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    wanted = sys.argv[3:]
    threads, areas, selfs, ours, inclusive = (collections.Counter() for _ in range(5))
    n = 0
    for thread, frames in events(path):
        n += 1
        threads[group(thread)] += 1
        area = None
        special = None
        for f in frames:
            if f.startswith(JDK):
                special = special or next((a for a, p in JDK_AREAS if f.startswith(p)), None)
                continue
            area = special or next((a for a, p in AREAS if f.startswith(p)), "other: " + f.rsplit(".", 2)[0])
            break
        if area is None:
            area = special or next((a for a, p in AREAS if frames and frames[0].startswith(p)), "other")
        areas[area] += 1
        if frames:
            selfs[frames[0]] += 1
        for f in set(frames):
            if f.startswith("io.tollgate."):
                ours[f] += 1
        for w in wanted:
            if (thread.startswith(w[7:]) if w.startswith("thread:") else any(w in f for f in frames)):
                inclusive[w] += 1
    pct = lambda c: f"{100 * c / n:.1f} %"
    print(f"{path}: {n} execution samples")
    for title, counter, k in (("threads", threads, top), ("area (first library from the top)", areas, 99),
                              ("self frames", selfs, top), ("tollgate frames anywhere on the stack", ours, top)):
        print(f"\n| {title} | samples | share |\n|---|---|---|")
        for key, c in counter.most_common(k):
            print(f"| {key} | {c} | {pct(c)} |")
    if wanted:
        print("\n| frame (inclusive) | samples | share |\n|---|---|---|")
        for w in wanted:
            print(f"| {w} | {inclusive[w]} | {pct(inclusive[w])} |")


if __name__ == "__main__":
    main()
