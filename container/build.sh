#!/usr/bin/env bash
# Build the static gbdt binary and package it in a FROM scratch image.
#
#   container/build.sh [--tag IMAGE] [--no-cargo] [--from-source]
#
# Default: build the static release binary on this host with cargo, then
# package it with container/Dockerfile.host. That pulls no base image, so it
# works on air-gapped machines. --from-source instead builds everything inside
# container/Dockerfile (needs a registry to pull the Rust image).
#
# Prints the image size in bytes on the last line: "image IMAGE: N bytes".
set -euo pipefail

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
}

tag="${GBDT_IMAGE:-gbdt:latest}"
run_cargo=1
from_source=0
while [ $# -gt 0 ]; do
    case "$1" in
        --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
        --tag=*) tag="${1#--tag=}"; shift ;;
        --no-cargo) run_cargo=0; shift ;;
        --from-source) from_source=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
target=x86_64-unknown-linux-gnu
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin="$target_dir/$target/release/gbdt"

# The classic builder when buildx is absent (the BuildKit path in docker
# build needs it on recent clients).
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
fi

version="$(cd "$root" && cargo pkgid -p gbdt-cli 2>/dev/null | sed -n 's/.*[@#]\([0-9][^@#]*\)$/\1/p')"
version="${version:-unknown}"
revision="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [ "$revision" != unknown ] && ! git -C "$root" diff --quiet HEAD 2>/dev/null; then
    revision="$revision-dirty"
fi
# The commit time, not the wall clock: the label does not change between
# rebuilds of the same commit.
created="$(git -C "$root" log -1 --format=%cI 2>/dev/null || echo 1970-01-01T00:00:00Z)"
build_args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created")

if [ "$from_source" = 1 ]; then
    echo "build.sh: building $tag from source with container/Dockerfile" >&2
    tar -C "$root" --exclude=./target --exclude=./.git -cf - . \
        | docker build -f container/Dockerfile "${build_args[@]}" -t "$tag" -
else
    if [ "$run_cargo" = 1 ]; then
        echo "build.sh: cargo build --release --target $target -p gbdt-cli (static)" >&2
        (cd "$root" && RUSTFLAGS='-C target-feature=+crt-static' \
            cargo build --release --target "$target" -p gbdt-cli)
    fi
    if [ ! -x "$bin" ]; then
        echo "build.sh: no binary at $bin (run without --no-cargo)" >&2
        exit 1
    fi
    # A scratch image has no loader and no libc: refuse a dynamic binary.
    # (grep reads all of ldd's output: with -q it could stop early, ldd would
    # get SIGPIPE, and pipefail would turn a match into a miss.)
    if ldd "$bin" 2>&1 | grep '=>' >/dev/null; then
        echo "build.sh: $bin is dynamically linked:" >&2
        ldd "$bin" >&2
        exit 1
    fi
    ctx="$(mktemp -d "${TMPDIR:-/tmp}/gbdt-image.XXXXXX")"
    trap 'rm -rf "$ctx"' EXIT
    cp "$bin" "$ctx/gbdt"
    # The image needs no symbol table (about 0.7 MB; panics still print their
    # message): strip the copy, target/ keeps its symbols for profiling.
    if command -v strip >/dev/null 2>&1; then
        strip "$ctx/gbdt"
    else
        echo "build.sh: no 'strip' (binutils): the image keeps the symbol table" >&2
    fi
    mkdir "$ctx/data"
    cp "$here/Dockerfile.host" "$ctx/Dockerfile"
    echo "build.sh: packaging $bin as $tag (no base image)" >&2
    docker build --quiet "${build_args[@]}" -t "$tag" "$ctx" >/dev/null
fi

size="$(docker image inspect -f '{{.Size}}' "$tag")"
echo "image $tag: $size bytes"
