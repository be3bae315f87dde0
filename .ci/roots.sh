#!/usr/bin/env bash
# The other Pythons and CPUs CI tests on, each made here when it is missing.
#
#   .ci/roots.sh sid          a Debian unstable root: CPython 3.13, 3.14, 3.15,
#                             gcc 16 and clang 21
#   .ci/roots.sh trixie       a Debian trixie root: PyPy 7.3.19
#   .ci/roots.sh arm64        a Debian trixie arm64 tree (files only) for
#                             cross-compiling and for qemu-user
#   .ci/roots.sh freethreaded CPython 3.13.5 built with --disable-gil from
#                             trixie's source
#   .ci/roots.sh run ROOT CMD...   CMD inside ROOT, in this checkout
#   .ci/roots.sh with PYTHON CMD...
#                             CMD where the interpreter PYTHON (python3.13,
#                             pypy3, python3.13t, ...) is on PATH: here if the
#                             host has it, else in what provides it
#   .ci/roots.sh path NAME    where NAME lives
#
# They live outside the checkout (AIOMOTO_ROOTS, /var/cache/aiomoto by
# default) so that a fresh clone reuses them; each is complete only once its
# stamp file exists, so an interrupted build is made again.  Needs root, and
# Debian's archive (the mirror the host's apt sources name).
set -euo pipefail

ROOTS=${AIOMOTO_ROOTS:-/var/cache/aiomoto}
MIRROR=${AIOMOTO_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
FREE_THREADED_VERSION=3.13.5

host_packages() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# $1: the root, $2: the suite, $3: packages (comma-separated).
debian_root() {
    local root=$1 suite=$2 packages=$3
    [ -f "$root/.complete" ] && return 0
    host_packages debootstrap
    rm -rf "$root"
    echo "roots: making a Debian $suite root in $root" >&2
    debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$MIRROR" \
        >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; exit 1; }
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # pip inside the root trusts what the host trusts.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    touch "$root/.complete"
}

sid() {
    debian_root "$ROOTS/sid" sid \
        python3.13,python3.13-dev,python3.13-venv,python3.14,python3.14-dev,python3.14-venv,python3.15,python3.15-dev,python3.15-venv,gcc,gcc-16,clang-21,make,libc6-dev,git,ca-certificates,procps
}

trixie() {
    debian_root "$ROOTS/trixie" trixie \
        pypy3,pypy3-dev,pypy3-venv,gcc,make,libc6-dev,git,ca-certificates,procps
}

arm64() {
    local tree=$ROOTS/arm64
    [ -f "$tree/.complete" ] && return 0
    host_packages mmdebstrap qemu-user gcc-aarch64-linux-gnu
    rm -rf "$tree"
    echo "roots: extracting a Debian trixie arm64 tree into $tree" >&2
    mmdebstrap --arch=arm64 --variant=extract \
        --include=libc6-dev,python3.13,python3.13-dev,libpython3.13-dev \
        trixie "$tree" "$MIRROR" >"$tree.log" 2>&1 || { tail -n 30 "$tree.log" >&2; exit 1; }
    # The extract variant leaves no /lib or /bin links; the loader and qemu's
    # -L look for them.
    ln -sfn usr/lib "$tree/lib"
    ln -sfn usr/bin "$tree/bin"
    touch "$tree/.complete"
}

freethreaded() {
    local prefix=$ROOTS/cpython-${FREE_THREADED_VERSION}t
    [ -f "$prefix/.complete" ] && return 0
    host_packages curl xz-utils build-essential libssl-dev libffi-dev zlib1g-dev \
        libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev
    local work=$ROOTS/cpython-build
    rm -rf "$prefix" "$work"
    mkdir -p "$work"
    echo "roots: building CPython ${FREE_THREADED_VERSION} with --disable-gil into $prefix" >&2
    curl -fsS -o "$work/source.tar.xz" \
        "$MIRROR/pool/main/p/python3.13/python3.13_${FREE_THREADED_VERSION}.orig.tar.xz"
    tar -xf "$work/source.tar.xz" -C "$work"
    (
        cd "$work/Python-${FREE_THREADED_VERSION}"
        ./configure --disable-gil --prefix="$prefix" --without-ensurepip-upgrade >../build.log 2>&1
        make -j"$(nproc)" >>../build.log 2>&1
        make install >>../build.log 2>&1
    ) || { tail -n 30 "$work/build.log" >&2; exit 1; }
    rm -rf "$work"
    touch "$prefix/.complete"
}

path() {
    case $1 in
    sid | trixie | arm64) echo "$ROOTS/$1" ;;
    freethreaded) echo "$ROOTS/cpython-${FREE_THREADED_VERSION}t" ;;
    *) echo "roots: no root named $1" >&2; exit 2 ;;
    esac
}

# Run a command inside a root, in this checkout, mounted at the same path so
# that the virtual environments made there work from either side.  The
# mounts are made in a mount namespace of the command's own, so they vanish
# with it however it ends, and two runs in one root do not meet.
run() {
    local root=$1
    shift
    mkdir -p "$root$PWD"
    unshare --mount --propagation private /bin/bash -c '
        set -e
        root=$1 here=$2
        shift 2
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --bind "$here" "$root$here"
        exec env -i HOME=/root LANG=C.UTF-8 \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            CI="${CI:-}" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 \
            PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
            SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
            /usr/sbin/chroot "$root" /bin/bash -c "cd \"\$1\" && shift && exec \"\$@\"" bash "$here" "$@"
    ' bash "$root" "$PWD" "$@"
}

with() {
    local python=$1
    shift
    # Run it, not just find it: a pyenv shim is found for versions pyenv
    # has but has not selected.
    if "$python" -c "" >/dev/null 2>&1; then
        exec "$@"
    fi
    case $python in
    python3.13t)
        freethreaded
        PATH=$(path freethreaded)/bin:$PATH exec "$@"
        ;;
    python3.1[345])
        sid
        run "$(path sid)" "$@"
        ;;
    pypy3)
        trixie
        run "$(path trixie)" "$@"
        ;;
    *) echo "roots: nothing here provides $python" >&2; exit 1 ;;
    esac
}

mkdir -p "$ROOTS"
command=${1:?usage: .ci/roots.sh sid|trixie|arm64|freethreaded|run ROOT CMD...|with PYTHON CMD...|path NAME}
shift
"$command" "$@"
