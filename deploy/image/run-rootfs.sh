#!/usr/bin/env bash
# Runs the image tarball the way a container runtime would, on a machine that has none (as root, Linux only):
# unpacks its layers into a root filesystem, then starts the image's entrypoint with the image's environment, user
# (65532:65532) and working directory, in a mount namespace where that root is READ-ONLY, /tmp is a 64 MiB tmpfs
# (the Deployment's emptyDir), /proc and /dev are mounted and /etc/hosts and /etc/resolv.conf come from the host
# (as the kubelet mounts them). Network and PID namespace are the host's: the gateway listens on the host's
# loopback, and its pid is the one to watch. No cgroup memory limit is set: pass -XX:MaxRAM=384m in
# JDK_JAVA_OPTIONS (-e) to size the JVM as the 384Mi limit would.
#
#   deploy/image/run-rootfs.sh [-t TARBALL] [-d ROOTFS_DIR] [-e NAME=VALUE]... [-- ARGS...]
#
# -e adds to or replaces the image's environment (DATABASE_URL=..., PORT=...). ARGS replace nothing: they follow
# the entrypoint. Prints nothing of its own; the gateway's output is its output. The rootfs is unpacked anew each
# run (default: the tarball's directory/image-rootfs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TAR=$HERE/../../platform-api/target/platform-api-image.tar
ROOT=
ENVS=()
while getopts "t:d:e:" o; do
  case $o in
    t) TAR=$OPTARG ;;
    d) ROOT=$OPTARG ;;
    e) ENVS+=("$OPTARG") ;;
    *) echo "usage: $0 [-t TARBALL] [-d ROOTFS_DIR] [-e NAME=VALUE]... [-- ARGS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $(id -u) -eq 0 ]] || { echo "run-rootfs: needs root (chroot and mounts)" >&2; exit 1; }
[[ -f $TAR ]] || { echo "run-rootfs: $TAR is missing" >&2; exit 1; }
ROOT=${ROOT:-$(dirname "$TAR")/image-rootfs}
rm -rf "$ROOT"
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd)

# unpack the layers in order; print the config as shell words: user, workdir, then env lines, then entrypoint
mapfile -t CONFIG < <(python3 - "$TAR" "$ROOT" <<'PY'
import io, json, sys, tarfile
tar, root = sys.argv[1], sys.argv[2]
outer = tarfile.open(tar)
blob = lambda d: outer.extractfile("blobs/sha256/" + d.split(":", 1)[1]).read()
manifest = json.loads(blob(json.loads(outer.extractfile("index.json").read())["manifests"][0]["digest"]))
config = json.loads(blob(manifest["config"]["digest"]))["config"]
for layer in manifest["layers"]:
    with tarfile.open(fileobj=io.BytesIO(blob(layer["digest"])), mode="r:*") as t:
        t.extractall(root, filter="tar")  # keeps modes; refuses paths outside root
print(config.get("User", "0:0"))
print(config.get("WorkingDir", "/"))
print(len(config.get("Env", [])))
for e in config.get("Env", []):
    print(e)
for a in config.get("Entrypoint", []) + config.get("Cmd", []):
    print(a)
PY
)
USER_GROUP=${CONFIG[0]}
WORKDIR=${CONFIG[1]}
NENV=${CONFIG[2]}
IMAGE_ENV=("${CONFIG[@]:3:$NENV}")
ENTRY=("${CONFIG[@]:$((3 + NENV))}")
# mount points a runtime creates (not in the image)
mkdir -p "$ROOT/proc" "$ROOT/dev" "$ROOT/etc"
touch "$ROOT/etc/hosts" "$ROOT/etc/resolv.conf"


exec env -i "${IMAGE_ENV[@]}" "${ENVS[@]}" RFS_ROOT="$ROOT" /usr/bin/unshare -m --propagation private -- /bin/bash -c '
  set -e
  image_path=$PATH
  PATH=/usr/sbin:/usr/bin:/sbin:/bin
  mount --bind "$RFS_ROOT" "$RFS_ROOT"
  mount -o remount,bind,ro "$RFS_ROOT"
  mount -t proc proc "$RFS_ROOT/proc"
  mount --rbind /dev "$RFS_ROOT/dev"
  mount -t tmpfs -o size=64m,mode=1777 tmpfs "$RFS_ROOT/tmp"
  mount --bind -o ro /etc/hosts "$RFS_ROOT/etc/hosts"
  mount --bind -o ro /etc/resolv.conf "$RFS_ROOT/etc/resolv.conf"
  root=$RFS_ROOT; unset RFS_ROOT
  PATH=$image_path exec /usr/bin/unshare --root="$root" --wd="$0" --setuid "${1%%:*}" --setgid "${1##*:}" -- "${@:2}"
' "$WORKDIR" "$USER_GROUP" "${ENTRY[@]}" "$@"
