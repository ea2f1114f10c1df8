#!/usr/bin/env bash
# Acceptance checks for gbdt in containers (issue 5).
#
#   bash container/test.sh
#
# Without a Docker daemon it runs the checks that need none (the project's
# compose and Kubernetes rules, compose validation, kubernetes-validate, the
# static build) and lists the skipped ones with the reason. Prints one
# PASS/FAIL/SKIP line per check and ends with "N passed, M failed[, K skipped]";
# exits 1 if any check failed.
#
# Environment: GBDT_TEST_IMAGE (default gbdt:test), the image tag it builds
# and runs; CARGO_TARGET_DIR as for cargo; GBDT_MPI_BIN, a gbdt built with
# --features mpi for the MPI section (container/mpi/test.sh; without it a
# stand-in MPI program); GBDT_MPI_ENGINE_TEST, gbdt-mpi's test binary, for
# one more run with the real engine.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
image="${GBDT_TEST_IMAGE:-gbdt:test}"
target=x86_64-unknown-linux-gnu
bin="${CARGO_TARGET_DIR:-$root/target}/$target/release/gbdt"
csv="$root/examples/credit_train.csv"
target_expr="Number of Credit Problems > 1"
# The stripped static binary on scratch: 5.04 MB since binned prediction
# landed (5 MB before it). The bound catches a dynamic or unstripped binary
# or a base image creeping in, not a kernel's few kilobytes.
max_image_mb=6
max_image_bytes=$((max_image_mb * 1000 * 1000))

passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); echo "PASS  $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP  $*"; }
section() { echo; echo "== $*"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/gbdt-container-test.XXXXXX")"
# Swarm state this script created, undone on exit.
swarm_inited=0
gwbridge_existed=1
stack=""
svc=""
cleanup() {
    if [ -n "$svc" ]; then
        docker service rm "$svc" >/dev/null 2>&1
    fi
    if [ -n "$stack" ]; then
        docker stack rm "$stack" >/dev/null 2>&1
        remove_stack_containers "$stack"
    fi
    if [ "$swarm_inited" = 1 ]; then
        docker swarm leave --force >/dev/null 2>&1
        if [ "$gwbridge_existed" = 0 ]; then
            docker network rm docker_gwbridge >/dev/null 2>&1
        fi
    fi
    # Files written by uid 65532 in 0777 directories: removable by us.
    rm -rf "$work"
}
trap cleanup EXIT
# Interrupted: still leave the swarm and remove what this run created.
trap 'exit 130' INT TERM

remove_stack_containers() {
    local ids
    for _ in $(seq 1 20); do
        ids="$(docker ps -aq --filter "label=com.docker.stack.namespace=$1")"
        [ -z "$ids" ] && return 0
        # Task containers exit on their own; remove the exited ones.
        # shellcheck disable=SC2086 # one argument per id
        docker rm $ids >/dev/null 2>&1
        sleep 1
    done
}

# A data directory the container user (65532) can write: a 0777 temp dir.
new_data_dir() {
    local d="$work/$1"
    mkdir -p "$d"
    cp "$csv" "$d/credit_train.csv"
    chmod 0777 "$d"
    echo "$d"
}

# expect_rejections LABEL COMMAND... -- FILE...: COMMAND FILE must exit 1
# with the message that FILE names in its '# expect: ...' line.
expect_rejections() {
    local label="$1" f name expect out rc
    local -a cmd=()
    shift
    while [ "$1" != -- ]; do cmd+=("$1"); shift; done
    shift
    for f in "$@"; do
        name="$(basename "$f")"
        expect="$(sed -n 's/^# expect: //p' "$f")"
        out="$("${cmd[@]}" "$f" 2>&1)"
        rc=$?
        if [ "$rc" = 1 ] && [ -n "$expect" ] && grep -qF -- "$expect" <<<"$out"; then
            pass "$label rejects $name ($expect)"
        else
            fail "$label on $name: exit $rc, expected 1 with '$expect'; got: $out"
        fi
    done
}

# ---------------------------------------------------------------- tools
section "tools"
have_python=0
if python3 -c 'import yaml' 2>/dev/null; then
    have_python=1
elif command -v pip3 >/dev/null 2>&1 && pip3 install --quiet pyyaml >/dev/null 2>&1 \
    && python3 -c 'import yaml' 2>/dev/null; then
    have_python=1
    echo "installed PyYAML with pip"
else
    echo "PyYAML is missing and 'pip3 install pyyaml' failed"
fi
have_kv=0
if command -v kubernetes-validate >/dev/null 2>&1; then
    have_kv=1
elif command -v pip3 >/dev/null 2>&1 && pip3 install --quiet kubernetes-validate >/dev/null 2>&1 \
    && command -v kubernetes-validate >/dev/null 2>&1; then
    have_kv=1
    echo "installed kubernetes-validate with pip"
else
    echo "kubernetes-validate is missing and 'pip3 install kubernetes-validate' failed"
fi
compose=()
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
fi
echo "compose: ${compose[*]:-none}"
daemon_error=""
if ! daemon_error="$(docker info 2>&1 >/dev/null)"; then
    daemon_error="$(echo "$daemon_error" | grep -v '^\s*$' | head -n1)"
    daemon_error="${daemon_error:-docker info failed}"
    echo "docker daemon: not available ($daemon_error)"
else
    daemon_error=""
    echo "docker daemon: $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
fi

# ------------------------------------------------- the project's own rules
section "compose and Kubernetes rules (check_config.py)"
if [ "$have_python" = 1 ]; then
    good=("$here/compose.yaml" "$here/compose.swarm.yaml" "$here"/k8s/*.yaml)
    if out="$(python3 "$here/check_config.py" "${good[@]}" 2>&1)"; then
        pass "check_config.py accepts compose.yaml, compose.swarm.yaml and k8s/*.yaml"
    else
        fail "check_config.py rejects the shipped files:"; echo "$out" | sed 's/^/      /'
    fi
    expect_rejections check_config.py python3 "$here/check_config.py" -- "$here"/testdata/bad-*.yaml
else
    skip "check_config.py (shipped files and testdata/bad-*.yaml): PyYAML missing and pip failed"
fi

# ------------------------------------------------------ compose validation
section "compose validation"
if [ "${#compose[@]}" -gt 0 ]; then
    for f in compose.yaml compose.swarm.yaml; do
        if out="$(GBDT_DATA="$work/swarm" "${compose[@]}" -f "$here/$f" config -q 2>&1)"; then
            pass "${compose[*]} config: $f"
        else
            fail "${compose[*]} config: $f: $out"
        fi
    done
else
    skip "compose config: neither 'docker compose' nor 'docker-compose' is installed"
fi
if docker stack config --help >/dev/null 2>&1; then
    for f in compose.yaml compose.swarm.yaml; do
        if out="$(GBDT_DATA="$work/swarm" docker stack config -c "$here/$f" 2>&1 >/dev/null)"; then
            pass "docker stack config: $f"
        else
            fail "docker stack config: $f: $out"
        fi
    done
else
    skip "docker stack config: this docker client has no 'stack config' command"
fi

# ------------------------------------------------------ Kubernetes schemas
section "Kubernetes schemas (kubernetes-validate --strict)"
if [ "$have_kv" = 1 ]; then
    # The newest schemas it ships, and the oldest Kubernetes the manifests
    # support (1.31: podFailurePolicy is GA).
    for k in "" 1.31.0; do
        label="its default, newest schemas"
        [ -n "$k" ] && label="Kubernetes $k"
        if out="$(kubernetes-validate --strict --quiet ${k:+-k "$k"} "$here"/k8s/*.yaml 2>&1)"; then
            pass "kubernetes-validate --strict k8s/*.yaml ($label)"
        else
            fail "kubernetes-validate --strict ${k:+-k $k} k8s/*.yaml:"; echo "$out" | sed 's/^/      /'
        fi
    done
    # Strict mode must be on: a misspelled field is an error, not a warning.
    if kubernetes-validate --strict --quiet "$here/testdata/k8s-strict-typo.yaml" >/dev/null 2>&1; then
        fail "kubernetes-validate --strict accepted testdata/k8s-strict-typo.yaml (backofLimit)"
    else
        pass "kubernetes-validate --strict rejects a misspelled field (testdata/k8s-strict-typo.yaml)"
    fi
else
    skip "kubernetes-validate --strict: not installed and 'pip3 install kubernetes-validate' failed"
fi

# ------------------------------------------- MPIJob against the CRD schema
# kubernetes-validate has no schema for the MPI Operator's MPIJob (it warns and
# passes it): mpi/mpijob_schema.py checks it against the committed CRD schema
# (testdata/kubeflow.org_mpijobs.v2beta1.schema.json) and the operator's rules.
section "MPIJob (mpi/mpijob_schema.py, the MPI Operator's CRD schema)"
have_jsonschema=0
if python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    have_jsonschema=1
elif command -v pip3 >/dev/null 2>&1 && pip3 install --quiet jsonschema pyyaml >/dev/null 2>&1 \
    && python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    have_jsonschema=1
    echo "installed jsonschema with pip"
fi
if [ "$have_jsonschema" = 1 ]; then
    if out="$(python3 "$here/mpi/mpijob_schema.py" validate "$here/k8s/mpijob.yaml" 2>&1)"; then
        pass "k8s/mpijob.yaml is a valid kubeflow.org/v2beta1 MPIJob (strict CRD schema, operator rules)"
    else
        fail "mpijob_schema.py rejects k8s/mpijob.yaml:"; echo "$out" | sed 's/^/      /'
    fi
    expect_rejections mpijob_schema.py python3 "$here/mpi/mpijob_schema.py" validate -- \
        "$here"/testdata/mpijob-invalid-*.yaml
else
    skip "MPIJob schema validation: python jsonschema missing and 'pip3 install jsonschema' failed"
fi

# ---------------------------------------------------------- static binary
section "static release binary"
have_bin=0
if out="$(cd "$root" && RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --target "$target" -p gbdt-cli 2>&1)"; then
    if ldd "$bin" 2>&1 | grep -q '=>'; then
        fail "static build: $bin is dynamically linked"
    else
        have_bin=1
        pass "static build: $bin ($(stat -c %s "$bin") bytes, $(ldd "$bin" 2>&1 | tr -d '\t'))"
    fi
else
    fail "static build failed:"; echo "$out" | tail -n 20 | sed 's/^/      /'
fi

# ------------------------------------------------------- the daemon checks
daemon_checks=(
    "image builds without pulling (FROM scratch, host-built binary)"
    "image size under $max_image_mb MB"
    "image runs as 65532:65532, /data owned by 65532"
    "no shell in the image (--entrypoint sh fails)"
    "two-stage Dockerfile on a stand-in builder"
    "batch training job writes the model on the host"
    "predictions in the container byte-identical to the host binary's"
    "sharded scoring with the Indexed Job's args"
    "bad input gives exit code 3"
    "--cpus 1 gives one training thread"
    "compose one-shot train service"
    "Swarm job stack (compose.swarm.yaml, mode: replicated-job)"
    "Swarm stack from compose.yaml (restart condition none), then predict on demand"
    "Swarm service created with --restart-condition none"
)
if [ -n "$daemon_error" ] || [ "$have_bin" = 0 ]; then
    section "image and jobs"
    reason="${daemon_error:+docker daemon not available: $daemon_error}"
    reason="${reason:-no static binary (the build failed)}"
    for c in "${daemon_checks[@]}"; do
        skip "$c: $reason"
    done
else
    # The runs below all use the image built here.
    section "image"
    old_id="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null)"
    built=0
    if out="$("$here/build.sh" --no-cargo --tag "$image" 2>&1)"; then
        layers="$(docker image inspect -f '{{len .RootFS.Layers}}' "$image")"
        if [ "$layers" = 2 ]; then
            built=1
            pass "image $image builds without pulling: FROM scratch, 2 layers (binary, /data)"
        else
            fail "image $image has $layers layers, expected 2 (binary, /data): is it FROM scratch?"
        fi
        new_id="$(docker image inspect -f '{{.Id}}' "$image")"
        if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
            docker image rm "$old_id" >/dev/null 2>&1
        fi
    else
        fail "image build (container/build.sh --no-cargo):"; echo "$out" | tail -n 20 | sed 's/^/      /'
    fi
fi

if [ -z "$daemon_error" ] && [ "$have_bin" = 1 ] && [ "${built:-0}" = 1 ]; then
    size="$(docker image inspect -f '{{.Size}}' "$image")"
    if [ "$size" -lt "$max_image_bytes" ]; then
        pass "image size $size bytes ($(awk "BEGIN{printf \"%.2f\", $size/1000000}") MB) < $max_image_mb MB"
    else
        fail "image size $size bytes >= $max_image_mb MB"
    fi

    user="$(docker image inspect -f '{{.Config.User}}' "$image")"
    # The image's own file list, from a created (never started) container.
    cid="$(docker create "$image" 2>/dev/null)"
    data_owner="$(docker export "$cid" 2>/dev/null | tar -tvf - 2>/dev/null \
        | awk '$NF == "data/" {print $2}')"
    [ -n "$cid" ] && docker rm "$cid" >/dev/null 2>&1
    if [ "$user" = "65532:65532" ] && [ "$data_owner" = "65532/65532" ]; then
        pass "image user $user; /data owned by $data_owner"
    else
        fail "image user '$user' (want 65532:65532), /data owner '$data_owner' (want 65532/65532)"
    fi

    # Fails, and for the right reason: the executable does not exist.
    sh_out="$(docker run --rm --entrypoint sh "$image" -c true 2>&1)"
    sh_rc=$?
    binsh_out="$(docker run --rm --entrypoint /bin/sh "$image" -c true 2>&1)"
    binsh_rc=$?
    if [ "$sh_rc" != 0 ] && [ "$binsh_rc" != 0 ] \
        && grep -q 'not found\|no such file' <<<"$sh_out" && grep -q 'not found\|no such file' <<<"$binsh_out"; then
        pass "no shell: --entrypoint sh and /bin/sh fail (exit $sh_rc, $binsh_rc: not found)"
    else
        fail "shell check: sh exit $sh_rc ($sh_out), /bin/sh exit $binsh_rc ($binsh_out)"
    fi

    if out="$(docker run --rm "$image" 2>&1)" && grep -q 'train' <<<"$out"; then
        pass "default command (--help) exits 0 and lists the commands"
    else
        fail "docker run $image (--help): $out"
    fi

    # The two-stage Dockerfile cannot pull its rust builder image here. Run it
    # on a stand-in builder made from this host's sh, cp, mkdir and strip, whose
    # "cargo" does nothing because the context already holds the static
    # binary: that checks every line of it but the compiler's, and that its
    # final stage is the same image as Dockerfile.host's.
    section "two-stage Dockerfile (stand-in builder image)"
    fake=gbdt-test-rust:stand-in
    two="$image-two-stage"
    fake_dir="$work/fake-builder"
    mkdir -p "$fake_dir/usr/local/bin"
    printf '#!/bin/sh\n# Stand-in cargo: the context already holds the binary.\nexit 0\n' \
        >"$fake_dir/usr/local/bin/cargo"
    chmod 0755 "$fake_dir/usr/local/bin/cargo"
    libs="$(for b in /bin/sh /bin/cp /bin/mkdir /usr/bin/strip; do ldd "$(readlink -f "$b")"; done 2>/dev/null \
        | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]*ld-linux/ {print $1}' | sort -u | sed 's|^/||')"
    # shellcheck disable=SC2086
    if tar -C / -chf "$fake_dir/base.tar" bin/sh bin/cp bin/mkdir usr/bin/strip $libs 2>"$work/fake.err" \
        && tar -C "$fake_dir" -rf "$fake_dir/base.tar" usr/local/bin/cargo \
        && docker import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
            --change 'LABEL gbdt.test=stand-in-builder' "$fake_dir/base.tar" "$fake" >/dev/null 2>>"$work/fake.err"; then
        rel_bin="${bin#"$root"/}"
        if [ "$rel_bin" = "$bin" ]; then
            # CARGO_TARGET_DIR outside the repository: stage the binary.
            mkdir -p "$fake_dir/ctx/target/$target/release" "$fake_dir/ctx/container"
            cp "$bin" "$fake_dir/ctx/target/$target/release/gbdt"
            cp "$here/Dockerfile" "$fake_dir/ctx/container/"
            ctx_dir="$fake_dir/ctx"; rel_bin="target/$target/release/gbdt"
        else
            ctx_dir="$root"
        fi
        out="$(tar -C "$ctx_dir" -cf - container/Dockerfile "$rel_bin" \
            | DOCKER_BUILDKIT=0 docker build -f container/Dockerfile --build-arg "RUST_IMAGE=$fake" \
                --build-arg VERSION=test -t "$two" - 2>&1)"
        rc=$?
        # shellcheck disable=SC2016 # a Go template, not shell
        fmt='{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{.Config.WorkingDir}}|{{len .RootFS.Layers}}|{{range $k, $v := .Config.Labels}}{{if ne $k "gbdt.test"}}{{$k}},{{end}}{{end}}'
        a="$(docker image inspect -f "$fmt" "$image" 2>/dev/null)"
        b="$(docker image inspect -f "$fmt" "$two" 2>/dev/null)"
        files() {
            local c
            c="$(docker create "$1" 2>/dev/null)" || return
            docker export "$c" | tar -tvf - | awk '{print $1, $2, $NF}' | sort
            docker export "$c" | tar -xOf - gbdt | sha256sum | cut -c1-64
            docker rm "$c" >/dev/null
        }
        fa="$(files "$image")"
        fb="$(files "$two")"
        if [ "$rc" = 0 ] && [ -n "$a" ] && [ "$a" = "$b" ] \
            && grep -q '^d.* 65532/65532 data/$' <<<"$fa" && [ "$fa" = "$fb" ]; then
            pass "Dockerfile builds on a stand-in builder; final stage = Dockerfile.host's image (config, labels, files, binary)"
        else
            fail "two-stage Dockerfile: build exit $rc; config host '$a' vs two-stage '$b'; files: $(diff <(echo "$fa") <(echo "$fb") | grep '^[<>]' | head -n 4 | tr '\n' ' '); $(echo "$out" | tail -n 3)"
        fi
    else
        skip "two-stage Dockerfile: could not make the stand-in builder image: $(head -n 2 "$work/fake.err")"
    fi
    docker image rm "$two" >/dev/null 2>&1
    docker image prune --force --filter label=gbdt.test=stand-in-builder >/dev/null 2>&1
    docker image rm "$fake" >/dev/null 2>&1

    section "batch jobs"
    data="$(new_data_dir job)"
    # The exact command of the acceptance list.
    if out="$(timeout 600 docker run --rm --read-only --network none --cap-drop ALL \
        -v "$data:/data" "$image" train /data/credit_train.csv \
        --target "$target_expr" --output /data/model.gbdt 2>&1)" \
        && [ -s "$data/model.gbdt" ]; then
        pass "train in a read-only, network-less, capability-less container wrote model.gbdt ($(stat -c %s "$data/model.gbdt") bytes, owner $(stat -c %u:%g "$data/model.gbdt"))"
        trained=1
    else
        fail "training job: $(echo "$out" | tail -n 5)"
        trained=0
    fi

    if [ "$trained" = 1 ]; then
        "$bin" predict "$data/model.gbdt" "$data/credit_train.csv" --output "$work/host-preds.csv" 2>"$work/host-predict.err"
        host_rc=$?
        out="$(timeout 600 docker run --rm --read-only --network none --cap-drop ALL \
            -v "$data:/data" "$image" predict /data/model.gbdt /data/credit_train.csv \
            --output /data/preds.csv 2>&1)"
        rc=$?
        if [ "$host_rc" = 0 ] && [ "$rc" = 0 ] && [ -s "$work/host-preds.csv" ] \
            && cmp -s "$work/host-preds.csv" "$data/preds.csv"; then
            pass "container predictions byte-identical to the host binary's ($(($(wc -l <"$data/preds.csv") - 1)) rows)"
        else
            fail "predictions: host exit $host_rc, container exit $rc; $(cmp "$work/host-preds.csv" "$data/preds.csv" 2>&1) $out"
        fi
    else
        skip "predictions byte-identical: no model (training failed)"
    fi

    # Sharded scoring exactly as k8s/predict-indexed-job.yaml runs it: its args,
    # one container per completion index, JOB_COMPLETION_INDEX set as the Job
    # controller sets it and $(SHARD) expanded as the kubelet does.
    if [ "$trained" = 1 ] && [ "$have_python" = 1 ]; then
        mapfile -d '' -t kargs < <(python3 -c '
import sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
c = job["spec"]["template"]["spec"]["containers"][0]
sys.stdout.write("\0".join([str(job["spec"]["completions"])] + [str(a) for a in c["args"]]) + "\0")
' "$here/k8s/predict-indexed-job.yaml")
        shards="${kargs[0]:-0}"
        shard_rcs=""
        rm -f "$data"/predictions.shard-*.csv
        for i in $(seq 0 $((shards - 1))); do
            a=("${kargs[@]:1}")
            a=("${a[@]//\$(SHARD)/$i}")
            docker run --rm --read-only --network none --cap-drop ALL -e "JOB_COMPLETION_INDEX=$i" \
                -v "$data:/data" "$image" "${a[@]}" >/dev/null 2>"$work/shard-$i.err"
            shard_rcs="$shard_rcs$?"
        done
        "$bin" predict "$data/model.gbdt" "$data/credit_train.csv" --row-index \
            --output "$work/host-row-index.csv" 2>/dev/null
        merged="$work/merged.csv"
        { head -n1 "$data/predictions.shard-0.csv"
          tail -q -n +2 "$data"/predictions.shard-*.csv | sort -t, -k1,1n; } >"$merged" 2>/dev/null
        if [ "$shards" -ge 2 ] && [ "$shard_rcs" = "$(printf '0%.0s' $(seq 1 "$shards"))" ] \
            && [ -s "$work/host-row-index.csv" ] && cmp -s "$merged" "$work/host-row-index.csv"; then
            pass "Indexed Job args, $shards containers by JOB_COMPLETION_INDEX: merged shards = unsharded --row-index output"
        else
            fail "sharded scoring: $shards shards, exit codes '$shard_rcs'; $(cmp "$merged" "$work/host-row-index.csv" 2>&1); $(cat "$work"/shard-*.err 2>/dev/null | head -n 3)"
        fi
    elif [ "$trained" = 1 ]; then
        skip "sharded scoring with the Indexed Job's args: PyYAML missing"
    else
        skip "sharded scoring with the Indexed Job's args: no model (training failed)"
    fi

    # Bad input: a model file that is not one, and a data file that does not exist.
    printf 'this is not a gbdt model\n' >"$data/garbage.gbdt"
    docker run --rm --read-only --network none --cap-drop ALL -v "$data:/data" "$image" \
        predict /data/garbage.gbdt /data/credit_train.csv --output /data/never.csv >/dev/null 2>&1
    rc_model=$?
    docker run --rm --read-only --network none --cap-drop ALL -v "$data:/data" "$image" \
        train /data/missing.csv --target "$target_expr" --output /data/never.gbdt >/dev/null 2>&1
    rc_data=$?
    if [ "$rc_model" = 3 ] && [ "$rc_data" = 3 ]; then
        pass "bad input exits 3 (garbage model file: $rc_model, missing data file: $rc_data)"
    else
        fail "bad input: garbage model exit $rc_model, missing data exit $rc_data; want 3 and 3"
    fi

    # Threads follow the CPU quota: --cpus 1 must train with one thread. With
    # 2 or more CPUs here, --cpus 2 must give 2, so the 1 is not a constant.
    threads_in() {
        local cpus="$1" d
        d="$(new_data_dir "cpus$cpus")"
        docker run --rm --read-only --network none --cap-drop ALL --cpus "$cpus" \
            -v "$d:/data" "$image" train /data/credit_train.csv --target "$target_expr" \
            --output /data/model.gbdt --report-json /data/report.json >"$d/stdout" 2>"$d/stderr"
        local summary report
        summary="$(sed -n 's/^gbdt:[[:space:]]*threads[[:space:]]\{1,\}\([0-9]\{1,\}\)[[:space:]]*$/\1/p' "$d/stderr")"
        report="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["threads"])' "$d/report.json" 2>/dev/null)"
        echo "${summary:-?} ${report:-?}"
    }
    read -r s1 r1 <<<"$(threads_in 1)"
    if [ "$s1" = 1 ] && [ "$r1" = 1 ]; then
        pass "--cpus 1: one training thread (summary 'threads $s1', report.json threads=$r1)"
    else
        fail "--cpus 1: summary threads '$s1', report.json threads '$r1'; want 1 and 1"
    fi
    if [ "$(nproc)" -ge 2 ]; then
        read -r s2 r2 <<<"$(threads_in 2)"
        if [ "$s2" = 2 ] && [ "$r2" = 2 ]; then
            pass "--cpus 2: two training threads (summary and report.json)"
        else
            fail "--cpus 2: summary threads '$s2', report.json threads '$r2'; want 2 and 2"
        fi
    fi

    section "compose"
    if [ "${#compose[@]}" -gt 0 ]; then
        d="$(new_data_dir compose)"
        project="gbdttest$$"
        out="$(GBDT_DATA="$d" GBDT_IMAGE="$image" timeout 600 "${compose[@]}" -p "$project" \
            -f "$here/compose.yaml" run --rm -T train 2>&1)"
        rc=$?
        GBDT_DATA="$d" GBDT_IMAGE="$image" "${compose[@]}" -p "$project" -f "$here/compose.yaml" \
            down --remove-orphans >/dev/null 2>&1
        if [ "$rc" = 0 ] && [ -s "$d/model.gbdt" ] && [ -s "$d/train-report.json" ]; then
            pass "${compose[*]} run --rm train wrote model.gbdt and train-report.json"
        else
            fail "${compose[*]} run --rm train: exit $rc; $(echo "$out" | tail -n 5)"
        fi
    else
        skip "compose one-shot train service: no compose command installed"
    fi

    section "Swarm"
    swarm_checks=(
        "Swarm job stack (compose.swarm.yaml, mode: replicated-job)"
        "Swarm stack from compose.yaml (restart condition none), then predict on demand"
        "Swarm service created with --restart-condition none"
    )
    skip_swarm() {
        for c in "${swarm_checks[@]}"; do skip "$c: $1"; done
    }
    state="$(docker info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null)"
    is_manager="$(docker info -f '{{.Swarm.ControlAvailable}}' 2>/dev/null)"
    swarm_ok=1
    if [ "$state" = inactive ]; then
        docker network inspect docker_gwbridge >/dev/null 2>&1 || gwbridge_existed=0
        if out="$(timeout 60 docker swarm init --advertise-addr 127.0.0.1 2>&1)"; then
            swarm_inited=1
        else
            swarm_ok=0
            skip_swarm "'docker swarm init --advertise-addr 127.0.0.1' failed: $(echo "$out" | head -n1)"
        fi
    elif [ "$state" = active ] && [ "$is_manager" != true ]; then
        swarm_ok=0
        skip_swarm "this node is a Swarm worker; services need a manager"
    elif [ "$state" != active ]; then
        swarm_ok=0
        skip_swarm "Swarm state is '$state'"
    fi

    # The state of a service's (first) task once it has ended: Complete,
    # Failed or Rejected; whatever it is after 120 s otherwise.
    wait_task() {
        local status=""
        for _ in $(seq 1 120); do
            status="$(docker service ps "$1" --format '{{.CurrentState}} {{.Error}}' 2>/dev/null | head -n1)"
            case "$status" in
                Complete*|Failed*|Rejected*) break ;;
            esac
            sleep 1
        done
        echo "$status"
    }
    have() { [ -s "$1" ] && echo present || echo missing; }
    end_stack() {
        docker stack rm "$stack" >/dev/null 2>&1
        remove_stack_containers "$stack"
        stack=""
    }

    if [ "$swarm_ok" = 1 ]; then
        d="$(new_data_dir swarm)"
        stack="gbdttest$$"
        if out="$(GBDT_DATA="$d" GBDT_IMAGE="$image" docker stack deploy --resolve-image never \
            -c "$here/compose.swarm.yaml" "$stack" 2>&1)"; then
            status="$(wait_task "${stack}_train")"
        else
            status="deploy failed: $out"
        fi
        mode="$(docker service inspect -f '{{if .Spec.Mode.ReplicatedJob}}replicated-job{{end}}' "${stack}_train" 2>/dev/null)"
        if [[ "$status" == Complete* ]] && [ "$mode" = replicated-job ] && [ -s "$d/model.gbdt" ]; then
            pass "Swarm replicated-job ran to completion and wrote model.gbdt ($(stat -c %s "$d/model.gbdt") bytes)"
        else
            fail "Swarm job: mode '$mode', task '$status', model $(have "$d/model.gbdt")"
        fi
        end_stack

        # compose.yaml as a stack: train runs once; predict (0 replicas) runs
        # once when scaled to 1.
        d="$(new_data_dir swarm-compose)"
        stack="gbdttest${$}c"
        if out="$(GBDT_DATA="$d" GBDT_IMAGE="$image" docker stack deploy --resolve-image never \
            -c "$here/compose.yaml" "$stack" 2>&1)"; then
            status="$(wait_task "${stack}_train")"
            if [[ "$status" == Complete* ]]; then
                docker service scale --detach "${stack}_predict=1" >/dev/null 2>&1
                pstatus="$(wait_task "${stack}_predict")"
            else
                pstatus="not started"
            fi
        else
            status="deploy failed: $out"
            pstatus="not started"
        fi
        tasks="$(docker service ps "${stack}_train" -q 2>/dev/null | wc -l)"
        if [[ "$status" == Complete* ]] && [[ "$pstatus" == Complete* ]] && [ "$tasks" = 1 ] \
            && [ -s "$d/model.gbdt" ] && [ -s "$d/predictions.csv" ]; then
            pass "compose.yaml stack: train ran once (1 task, not restarted), predict on demand wrote predictions.csv"
        else
            fail "compose.yaml stack: train '$status' ($tasks tasks), predict '$pstatus', model $(have "$d/model.gbdt"), predictions $(have "$d/predictions.csv")"
        fi
        end_stack

        # The users' own way: a plain service that is not restarted.
        d="$(new_data_dir swarm-service)"
        svc="gbdttest${$}s"
        if out="$(docker service create --detach --name "$svc" --restart-condition none \
            --read-only --cap-drop ALL --mount "type=bind,source=$d,target=/data" "$image" \
            train /data/credit_train.csv --target "$target_expr" --output /data/model.gbdt 2>&1)"; then
            status="$(wait_task "$svc")"
        else
            status="create failed: $(echo "$out" | tail -n1)"
        fi
        if [[ "$status" == Complete* ]] && [ -s "$d/model.gbdt" ]; then
            pass "Swarm service with --restart-condition none ran once and wrote model.gbdt"
        else
            fail "Swarm service --restart-condition none: task '$status', model $(have "$d/model.gbdt")"
        fi
        docker service rm "$svc" >/dev/null 2>&1
        svc=""

        if [ "$swarm_inited" = 1 ]; then
            docker swarm leave --force >/dev/null 2>&1
            [ "$gwbridge_existed" = 0 ] && docker network rm docker_gwbridge >/dev/null 2>&1
            swarm_inited=0
        fi
    fi
elif [ -z "$daemon_error" ] && [ "$have_bin" = 1 ]; then
    for c in "${daemon_checks[@]:1}"; do
        skip "$c: the image did not build"
    done
fi

# ------------------------------------------------------------ MPI (issue 15)
# container/mpi/test.sh, its lines counted here. GBDT_MPI_BIN: a gbdt built
# with `cargo build --release -p gbdt-cli --features mpi`; without it a
# stand-in MPI program checks the image, the ssh launch and the allreduce.
# GBDT_MPI_ENGINE_TEST: gbdt-mpi's test binary, run once more with
# --engine-test (the real engine in the two containers).
section "MPI: two containers train together (container/mpi/test.sh)"
mpi_checks() {
    local rc failed_before=$failed line
    bash "$here/mpi/test.sh" "$@" >"$work/mpi.log" 2>&1
    rc=$?
    while IFS= read -r line; do
        case "$line" in
            "PASS  "*) pass "${line#PASS  }" ;;
            "FAIL  "*) fail "${line#FAIL  }" ;;
            "SKIP  "*) skip "${line#SKIP  }" ;;
            *" passed, "*" failed"*) ;;
            *) echo "$line" ;;
        esac
    done <"$work/mpi.log"
    if [ "$rc" != 0 ] && [ "$failed" = "$failed_before" ]; then
        fail "container/mpi/test.sh $* exited $rc without a failed check"
    fi
}
mpi_checks ${GBDT_MPI_BIN:+--bin "$GBDT_MPI_BIN"}
if [ -n "${GBDT_MPI_ENGINE_TEST:-}" ]; then
    mpi_checks --engine-test "$GBDT_MPI_ENGINE_TEST"
fi

echo
echo "Sharding (N shards concatenated by row = the unsharded output) is tested"
echo "by the CLI tests (cargo test -p gbdt-cli), not here."
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" = 0 ]
