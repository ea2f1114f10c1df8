#!/usr/bin/env bash
# Two containers train one model together over MPI (issue 15), launched the
# way the Kubeflow MPI Operator launches an MPIJob.
#
#   bash container/mpi/test.sh [--bin PATH]
#
# --bin PATH  a gbdt built with `cargo build --release -p gbdt-cli --features mpi`:
#             the two workers train credit_train.csv and the model must equal
#             single-process training byte for byte. Without it, a stand-in
#             (standin.c, compiled here with mpicc) checks the plumbing: its
#             all-reduced row count and rank sum, and the host names of both
#             workers.
# --engine-test PATH  gbdt-mpi's test binary (target/debug/deps/mpirun-*, from
#             `cargo test -p gbdt-mpi --no-run`): its
#             rank_main trains with the real engine on MPI until the gbdt
#             command line runs under mpirun; both ranks' models must equal
#             one process's, byte for byte with quantized gradients.
#
# The MPI Operator's way, reproduced with docker run and the commands of
# container/k8s/mpijob.yaml: an internal network (`docker network create
# --internal`), a generated key mounted read-only at sshAuthMountPath
# (id_rsa, id_rsa.pub, authorized_keys: the operator's Secret), two workers
# running the Worker command (sshd as the non-root user), and a launcher
# running the Launcher command (mpirun) with the operator's OMPI_MCA_*
# variables and hostfile at /etc/mpi/hostfile; the data directory is mounted
# on the workers at /data.
# Containers, network and files are removed on exit, also on failure.
#
# Prints PASS/FAIL/SKIP lines and "N passed, M failed[, K skipped]"; exits 1 if
# any check failed. Skips everything, with the reason, when docker, OpenMPI
# (openmpi-bin, libopenmpi-dev) or sshd (openssh-server) is missing.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$(dirname "$here")")"
csv="$root/examples/credit_train.csv"
image="${GBDT_MPI_TEST_IMAGE:-gbdt-mpi:test}"
bin=""
engine=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="${2:?--bin needs a path}"; shift 2 ;;
        --engine-test) engine="${2:?--engine-test needs a path}"; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "mpi/test.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); echo "PASS  $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP  $*"; }
summary() {
    local s="$passed passed, $failed failed"
    [ "$skipped" -gt 0 ] && s="$s, $skipped skipped"
    echo "$s"
}

checks=(
    "MPI image builds from host files (no pull)"
    "two workers on an internal network train together (mpirun over ssh, MPIJob style)"
    "bad data: exit 3 naming the rank and the file, no model written"
    "one rank's file missing (--data-per-rank): exit 3 naming rank 1 and its file"
)
missing=""
command -v docker >/dev/null 2>&1 || missing="docker"
[ -z "$missing" ] && ! docker info >/dev/null 2>&1 && missing="a docker daemon ('docker info' fails)"
for tool in mpirun:openmpi-bin mpicc:libopenmpi-dev /usr/sbin/sshd:openssh-server ssh-keygen:openssh-client; do
    if [ -z "$missing" ] && ! command -v "${tool%%:*}" >/dev/null 2>&1; then
        missing="${tool%%:*} (Debian package ${tool#*:})"
    fi
done
if [ -n "$missing" ]; then
    for c in "${checks[@]}"; do skip "$c: $missing is missing"; done
    summary
    exit 0
fi

run_id="gbdtmpi$$"
net="$run_id"
work="$(mktemp -d "${TMPDIR:-/tmp}/gbdt-mpi-test.XXXXXX")"
cleanup() {
    docker rm -f "$run_id-launcher" "$run_id-worker-0" "$run_id-worker-1" >/dev/null 2>&1
    docker network rm "$net" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ image
mode="gbdt"
if [ -n "$engine" ]; then
    mode="engine test"
    bin="$engine"
elif [ -z "$bin" ]; then
    mode="stand-in"
    bin="$work/standin"
    if ! out="$(mpicc -O2 -Wall -Wextra -Werror -o "$bin" "$here/standin.c" 2>&1)"; then
        fail "mpicc standin.c: $out"
        for c in "${checks[@]}"; do skip "$c: no program (the stand-in did not compile)"; done
        summary
        exit 1
    fi
fi
start=$(date +%s)
old_id="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null)"
if out="$("$here/build.sh" --bin "$bin" --tag "$image" 2>&1)"; then
    # The previous build under this tag is left untagged: remove it.
    new_id="$(docker image inspect -f '{{.Id}}' "$image")"
    if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
        docker image rm "$old_id" >/dev/null 2>&1
    fi
    size="$(docker image inspect -f '{{.Size}}' "$image")"
    user="$(docker image inspect -f '{{.Config.User}}' "$image")"
    if [ "$user" = "65532:65532" ]; then
        pass "MPI image $image ($mode): $size bytes ($(awk "BEGIN{printf \"%.1f\", $size/1e6}") MB), built in $(($(date +%s) - start)) s, user $user"
    else
        fail "MPI image $image runs as '$user', want 65532:65532"
    fi
else
    fail "container/mpi/build.sh --bin $bin:"; echo "$out" | tail -n 10 | sed 's/^/      /'
    for c in "${checks[@]:1}"; do skip "$c: the image did not build"; done
    summary
    exit 1
fi

# ------------------------------------------------- the MPI Operator's setup
# The commands of k8s/mpijob.yaml: the launcher's mpirun line, the workers'
# sshd line, and where the ssh key is mounted.
mapfile -d '' -t job < <(python3 -c '
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))["spec"]
def cmd(kind):
    c = spec["mpiReplicaSpecs"][kind]["template"]["spec"]["containers"][0]
    return [str(a) for a in c.get("command", []) + c.get("args", [])]
launcher, worker = cmd("Launcher"), cmd("Worker")
out = [spec["sshAuthMountPath"], str(len(worker))] + worker + launcher
sys.stdout.write("\0".join(out) + "\0")
' "$here/../k8s/mpijob.yaml")
if [ "${#job[@]}" -lt 4 ]; then
    fail "cannot read the commands of container/k8s/mpijob.yaml (python3 with PyYAML needed)"
    for c in "${checks[@]:1}"; do skip "$c: no commands from mpijob.yaml"; done
    summary
    exit 1
fi
ssh_mount="${job[0]}"
worker_cmd=("${job[@]:2:${job[1]}}")
launcher_cmd=("${job[@]:$((2 + job[1]))}")

# What the operator generates per job: an ECDSA P-521 key stored as id_rsa,
# its public half also as authorized_keys, mounted read-only, owned by root
# with mode 0644 (the Secret's default mode when sshAuthMountPath is not
# /root/.ssh); and the hostfile.
ssh_dir="$work/ssh"
data="$work/data"
mkdir -p "$ssh_dir" "$data"
ssh-keygen -q -t ecdsa -b 521 -N '' -C "$run_id" -f "$ssh_dir/id_rsa"
cp "$ssh_dir/id_rsa.pub" "$ssh_dir/authorized_keys"
chmod 0755 "$ssh_dir"
chmod 0644 "$ssh_dir"/*
cp "$csv" "$data/credit_train.csv"
chmod 0777 "$data"
printf '%s slots=1\n' "$run_id-worker-0.$net" "$run_id-worker-1.$net" >"$work/hostfile"
chmod 0444 "$work/hostfile"

hardening=(--read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges)
docker network create --internal "$net" >/dev/null
for i in 0 1; do
    name="$run_id-worker-$i"
    docker run -d --name "$name" --hostname "$name.$net" --network "$net" \
        --network-alias "$name.$net" "${hardening[@]}" \
        -v "$ssh_dir:$ssh_mount:ro" -v "$data:/data" \
        "$image" "${worker_cmd[@]}" >/dev/null
done

# The launcher's mpirun line, with the environment the operator gives it and
# its data file argument replaced by the arguments given (at most 5 minutes;
# the cleanup removes a container the timeout left).
launch() {
    local -a cmd=()
    local a
    for a in "${launcher_cmd[@]}"; do
        if [ "$a" = /data/credit_train.csv ]; then cmd+=("$@"); else cmd+=("$a"); fi
    done
    launch_cmd "${cmd[@]}"
}
launch_cmd() {
    timeout 300 docker run --rm --name "$run_id-launcher" --network "$net" "${hardening[@]}" \
        -v "$ssh_dir:$ssh_mount:ro" -v "$work/hostfile:/etc/mpi/hostfile:ro" \
        -e K_MPI_JOB_ROLE=launcher \
        -e OMPI_MCA_orte_keep_fqdn_hostnames=true \
        -e OMPI_MCA_orte_default_hostfile=/etc/mpi/hostfile \
        -e "OMPI_MCA_plm_rsh_args=-o ConnectionAttempts=10" \
        "$image" "$@"
}

internal="$(docker network inspect -f '{{.Internal}}' "$net" 2>/dev/null)"
if [ "$mode" = "engine test" ]; then
    # The test harness's protocol: GBDT_MPI_RANK_OUT=P makes rank r write its
    # models to P.true.r (quantized) and P.false.r (float).
    harness=(gbdt --exact rank_main --test-threads 1 --quiet)
    out="$(launch_cmd mpirun -np 2 --bind-to none -x GBDT_MPI_RANK_OUT=/data/np2 "${harness[@]}" 2>&1)"
    rc=$?
    mkdir -p "$work/single" && chmod 0777 "$work/single"
    docker run --rm --network none "${hardening[@]}" -v "$work/single:/data" \
        -e GBDT_MPI_RANK_OUT=/data/np1 "$image" "${harness[@]}" >"$work/single.log" 2>&1
    single_rc=$?
    one="$work/single/np1.true.0"
    if [ "$rc" = 0 ] && [ "$single_rc" = 0 ] && [ "$internal" = true ] && [ -s "$one" ] \
        && cmp -s "$data/np2.true.0" "$one" && cmp -s "$data/np2.true.1" "$one" \
        && cmp -s "$data/np2.false.0" "$data/np2.false.1"; then
        pass "the real engine on 2 workers (internal network): both ranks' quantized models byte-identical to one process's ($(stat -c %s "$one") bytes), float models equal on both ranks"
    else
        fail "engine test on 2 workers: exit $rc, single-process exit $single_rc, internal '$internal'; $(cmp "$data/np2.true.0" "$one" 2>&1)"
        echo "$out" | tail -n ${GBDT_MPI_TEST_TAIL:-10} | sed 's/^/      /'
    fi
    for c in "${checks[@]:2}"; do skip "$c: the engine test binary reads no data file"; done
    summary
    [ "$failed" = 0 ]
    exit
fi
out="$(launch /data/credit_train.csv 2>&1)"
rc=$?
files="$(cd "$data" && ls -A | grep -v '^credit_train\.csv$' | tr '\n' ' ')"
if [ "$mode" = stand-in ]; then
    rows=$(($(wc -l <"$csv") - 1))
    want="$(printf 'ranks 2\nrows %d\nrank_sum 3\nhost 0 %s\nhost 1 %s' \
        "$rows" "$run_id-worker-0.$net" "$run_id-worker-1.$net")"
    got="$(cat "$data/model.gbdt" 2>/dev/null)"
    if [ "$rc" = 0 ] && [ "$internal" = true ] && [ "$got" = "$want" ] && [ "$files" = "model.gbdt " ]; then
        pass "stand-in on 2 workers (internal network): all-reduced $rows rows and rank sum 3, ranks on worker-0 and worker-1, one output file"
    else
        fail "stand-in: exit $rc, internal '$internal', files '$files', output:"
        echo "$got" | sed 's/^/      /'; echo "$out" | tail -n 10 | sed 's/^/      /'
    fi
else
    # The reference: the launcher's gbdt command line without mpirun, in one
    # container with no network.
    for i in "${!launcher_cmd[@]}"; do
        [ "${launcher_cmd[$i]}" = gbdt ] && break
    done
    mkdir -p "$work/single" && cp "$csv" "$work/single/" && chmod 0777 "$work/single"
    docker run --rm --network none "${hardening[@]}" -v "$work/single:/data" "$image" \
        "${launcher_cmd[@]:$i}" >"$work/single.log" 2>&1
    single_rc=$?
    if [ "$rc" = 0 ] && [ "$internal" = true ] && [ "$files" = "model.gbdt " ] \
        && [ "$single_rc" = 0 ] && cmp -s "$data/model.gbdt" "$work/single/model.gbdt"; then
        pass "gbdt on 2 workers (internal network): one model.gbdt, byte-identical to single-process training ($(stat -c %s "$data/model.gbdt") bytes)"
    else
        fail "gbdt on 2 workers: exit $rc, internal '$internal', files '$files', single-process exit $single_rc; $(cmp "$data/model.gbdt" "$work/single/model.gbdt" 2>&1)"
        # gbdt's own lines first (each names its rank), then mpirun's.
        grep 'gbdt:' <<<"$out" | head -n 20 | sed 's/^/      /'
        echo "$out" | tail -n ${GBDT_MPI_TEST_TAIL:-10} | sed 's/^/      /'
    fi
fi

# expect_bad_input WHAT MESSAGE-REGEX LAUNCH-ARGS...: the launch must exit 3
# with a line matching the regex (a rank and a file) and leave no file but
# the CSVs in the data directory.
expect_bad_input() {
    local what="$1" want="$2" out rc files
    shift 2
    rm -f "$data/model.gbdt"
    out="$(launch "$@" 2>&1)"
    rc=$?
    files="$(cd "$data" && ls -A | grep -v '\.csv$' | tr '\n' ' ')"
    if [ "$rc" = 3 ] && grep -q "$want" <<<"$out" && [ -z "$files" ]; then
        pass "$what: exit 3, '$(grep -m1 "$want" <<<"$out")', no model"
    else
        fail "$what: exit $rc (want 3 and a line matching '$want'), files left '$files', output:"
        echo "$out" | tail -n ${GBDT_MPI_TEST_TAIL:-10} | sed 's/^/      /'
    fi
}
# A data file that is not there: every rank fails.
expect_bad_input "missing data file on 2 workers" 'rank [0-9].*missing\.csv' /data/missing.csv
# Each rank its own file, and rank 1's is missing: rank 1 must be named.
head -n $(($(wc -l <"$csv") / 2)) "$csv" >"$data/part-0.csv"
if [ -n "$bin" ] && ! "$bin" train --help 2>/dev/null | grep -q -- '--data-per-rank'; then
    skip "--data-per-rank: this gbdt has no --data-per-rank yet (issue 15)"
else
    expect_bad_input "--data-per-rank, rank 1's file missing" 'rank 1\b.*part-1\.csv' \
        --data-per-rank '/data/part-{rank}.csv'
fi

summary
[ "$failed" = 0 ]
