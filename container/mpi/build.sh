#!/usr/bin/env bash
# Build the MPI image: a program linked to OpenMPI, the OpenMPI runtime, an
# ssh client and sshd, all copied from this host into an image on no base.
#
#   container/mpi/build.sh [--bin PATH] [--tag IMAGE]
#
# --bin   the program to ship as /usr/local/bin/gbdt (default: target/release/gbdt,
#         built with `cargo build --release -p gbdt-cli --features mpi`); any
#         program linked to the host's OpenMPI works, the tests use a stand-in.
# --tag   the image tag (default gbdt-mpi:latest, or $GBDT_MPI_IMAGE).
#
# Needs the host packages openmpi-bin and openssh-server (Debian bookworm),
# pulls nothing. The image runs as 65532:65532 (user gbdt, home /home/gbdt),
# sshd listens on port 2222 as that user (the MPI Operator's non-root way).
# Prints the image size in bytes on the last line: "image IMAGE: N bytes".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$(dirname "$here")")"
bin="${CARGO_TARGET_DIR:-$root/target}/release/gbdt"
tag="${GBDT_MPI_IMAGE:-gbdt-mpi:latest}"
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="${2:?--bin needs a path}"; shift 2 ;;
        --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "mpi/build.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

need() {
    if [ ! -e "$1" ]; then
        echo "mpi/build.sh: $1 is missing: install the Debian package $2" >&2
        exit 1
    fi
}
need /usr/bin/orterun openmpi-bin
need /usr/bin/orted openmpi-bin
need /usr/sbin/sshd openssh-server
need /usr/bin/ssh openssh-client
if [ ! -x "$bin" ]; then
    echo "mpi/build.sh: no program at $bin: build it with" \
        "'cargo build --release -p gbdt-cli --features mpi' or pass --bin PATH" >&2
    exit 1
fi
if ! ldd "$bin" 2>/dev/null | grep 'libmpi\.so' >/dev/null; then
    echo "mpi/build.sh: $bin is not linked to libmpi (was it built with --features mpi?)" >&2
    exit 1
fi

# The OpenMPI installation, found from mpirun's own libraries.
libdir="$(dirname "$(ldd /usr/bin/orterun | awk '/libopen-rte\.so/ {print $3}')")"
ompi_plugins="$libdir/openmpi/lib/openmpi3"
pmix_dir="$libdir/pmix2"
need "$ompi_plugins" libopenmpi3
need /usr/share/openmpi openmpi-common

rootfs="$(mktemp -d "${TMPDIR:-/tmp}/gbdt-mpi-rootfs.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
for d in bin sbin lib lib64; do
    if [ -L "/$d" ]; then
        ln -s "$(readlink "/$d")" "$rootfs/$d"
    fi
done

# Host files, copied with their directories; symlinks are kept and followed.
# The directory part is resolved (on a merged-/usr host /bin is a link to
# usr/bin); the top-level links themselves are made below.
add() {
    local f
    for f in "$@"; do
        f="$(readlink -f "$(dirname "$f")")/$(basename "$f")"
        cp -dR --parents "$f" "$rootfs/"
        if [ -L "$f" ]; then
            add "$(readlink -f "$f")"
        fi
    done
}
# The transports this host's OpenMPI has turned off in openmpi-mca-params.conf
# (InfiniBand verbs, libfabric, UCX, PSM) stay out, and with them their
# libraries: TCP, shared memory and self remain.
mapfile -t plugins < <(find "$ompi_plugins" -name '*.so' \
    | grep -vE '_(ucx|ofi|openib|psm|psm2|verbs)\.so$|libompi_dbg_msgq')
add /usr/bin/orterun /usr/bin/orted /usr/bin/ompi_info /usr/sbin/sshd /usr/bin/ssh \
    /bin/sh "$(readlink -f /bin/sh)" /usr/share/openmpi /etc/openmpi "${plugins[@]}"
if [ -d "$pmix_dir" ]; then
    add "$pmix_dir/lib" "$pmix_dir/share"
fi
for lib in "$libdir"/libmca_common_{sm,monitoring,ompio}.so.*; do
    add "$lib"
done
mkdir -p "$rootfs/usr/local/bin"
cp "$bin" "$rootfs/usr/local/bin/gbdt"
ln -s orterun "$rootfs/usr/bin/mpirun"
ln -s orterun "$rootfs/usr/bin/mpiexec"

# Every shared library that an executable or plugin in the image loads.
mapfile -t elves < <(find "$rootfs" -type f \( -name '*.so*' -o -perm -u+x \) \
    -exec sh -c 'head -c 4 "$1" | grep -q ELF && echo "$1"' _ {} \;)
mapfile -t libs < <(for f in "${elves[@]}"; do ldd "$f" 2>/dev/null; done \
    | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]*ld-linux/ {print $1}' | sort -u)
add "${libs[@]}"
missing="$(for f in "${elves[@]}"; do ldd "$f" 2>/dev/null; done | grep 'not found' | sort -u || true)"
if [ -n "$missing" ]; then
    echo "mpi/build.sh: libraries not found on this host:" >&2
    echo "$missing" >&2
    exit 1
fi

cp -r "$here/rootfs/." "$rootfs/"
mkdir -p "$rootfs/home/gbdt/.ssh" "$rootfs/data" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/home/gbdt/.ssh"
chown -R 65532:65532 "$rootfs/home/gbdt" "$rootfs/data"

revision="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
tar -C "$rootfs" --numeric-owner -cf - . | docker import \
    --change 'USER 65532:65532' \
    --change 'WORKDIR /data' \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin' \
    --change 'ENV OMPI_MCA_plm_rsh_agent=ssh' \
    --change 'CMD ["/usr/local/bin/gbdt", "--help"]' \
    --change 'LABEL org.opencontainers.image.title="gbdt-mpi"' \
    --change "LABEL org.opencontainers.image.revision=\"$revision\"" \
    - "$tag" >/dev/null
size="$(docker image inspect -f '{{.Size}}' "$tag")"
echo "image $tag: $size bytes"
