#!/usr/bin/env python3
"""The project's own rules for its compose files and Kubernetes manifests.

Schema validators (docker stack config, kubernetes-validate) accept files that
are valid but wrong for a batch job: a Swarm restart condition of "never", a
training service that Swarm restarts after every success, a Job that retries
bad input forever. This script checks those rules.

    check_config.py FILE...      one file per argument, type detected per document

Compose files (a document with "services"):
  - deploy.restart_policy.condition is one of none, on-failure, any, and every
    service sets it to none or on-failure (Swarm's default "any" reruns a
    finished batch job forever);
  - deploy.mode is replicated, global, replicated-job or global-job;
  - restart, when set, is "no" or on-failure[:N]: always and unless-stopped
    restart a finished job, and an unquoted `restart: no` is YAML false;
  - the service mounts something at /data, is read_only and drops ALL caps.
Kubernetes manifests (Job, or the jobTemplate of a CronJob):
  - the pod's restartPolicy is Never or OnFailure, and backoffLimit is set;
  - an Indexed Job sets completions, equal to the --shards N in its args;
  - a podFailurePolicy exists and its first rule matching exit code 3 is
    FailJob (restartPolicy must then be Never);
  - every container has a securityContext with runAsNonRoot (or the pod's),
    readOnlyRootFilesystem, allowPrivilegeEscalation false and capabilities
    drop ALL, and resource requests and limits;
  - a CronJob's concurrencyPolicy is Forbid or Replace.
Kubeflow MPIJobs (distributed training, container/k8s/mpijob.yaml):
  - runPolicy sets backoffLimit, and cleanPodPolicy Running or All (the
    workers run sshd until removed);
  - every replica's restartPolicy is Never or OnFailure, and its containers
    follow the container rules above;
  - sshAuthMountPath is set for a non-root pod (the default /root/.ssh is not
    readable by the image's user);
  - the launcher runs mpirun with -np equal to Worker replicas x
    slotsPerWorker, and --bind-to none (a rank bound to one core would run
    its whole thread pool on that core).

Prints one line per problem and exits 1 if there is any, 0 otherwise.
"""

import re
import sys

import yaml

RESTART_CONDITIONS = {"none", "on-failure", "any"}
BATCH_RESTART_CONDITIONS = {"none", "on-failure"}
SWARM_MODES = {"replicated", "global", "replicated-job", "global-job"}
COMPOSE_RESTART = re.compile(r"^(no|always|unless-stopped|on-failure(:\d+)?)$")
JOB_RESTART_POLICIES = {"Never", "OnFailure"}
BAD_INPUT_EXIT = 3


def check_compose(doc):
    problems = []
    services = doc.get("services")
    if not isinstance(services, dict) or not services:
        return ["services: no services defined"]
    for name, svc in services.items():
        where = f"services.{name}"
        if not isinstance(svc, dict):
            problems.append(f"{where}: not a mapping")
            continue
        problems += check_compose_restart(where, svc)
        problems += check_compose_hardening(where, svc)
    return problems


def check_compose_restart(where, svc):
    problems = []
    if "restart" in svc:
        restart = svc["restart"]
        if restart is False:
            problems.append(
                f'{where}.restart: YAML false (unquoted no); write restart: "no"')
        elif not isinstance(restart, str) or not COMPOSE_RESTART.match(restart):
            problems.append(f"{where}.restart: invalid value {restart!r}")
        elif restart in ("always", "unless-stopped"):
            problems.append(
                f"{where}.restart: {restart!r} restarts a finished batch job")
    deploy = svc.get("deploy") or {}
    mode = deploy.get("mode", "replicated")
    if mode not in SWARM_MODES:
        problems.append(
            f"{where}.deploy.mode: {mode!r} is not one of {sorted(SWARM_MODES)}")
    policy = deploy.get("restart_policy")
    if not isinstance(policy, dict) or "condition" not in policy:
        problems.append(
            f"{where}.deploy.restart_policy.condition: missing "
            "(Swarm's default is 'any', which reruns a finished batch job)")
        return problems
    condition = policy["condition"]
    if condition not in RESTART_CONDITIONS:
        problems.append(
            f"{where}.deploy.restart_policy.condition: {condition!r} is not one "
            f"of {sorted(RESTART_CONDITIONS)}")
    elif condition not in BATCH_RESTART_CONDITIONS:
        problems.append(
            f"{where}.deploy.restart_policy.condition: {condition!r} reruns a "
            "finished batch job; use none or on-failure")
    return problems


def check_compose_hardening(where, svc):
    problems = []
    targets = []
    for vol in svc.get("volumes") or []:
        if isinstance(vol, dict):
            targets.append(vol.get("target"))
        elif isinstance(vol, str):
            parts = vol.split(":")
            targets.append(parts[1] if len(parts) > 1 else parts[0])
    if "/data" not in targets:
        problems.append(f"{where}.volumes: nothing mounted at /data")
    if svc.get("read_only") is not True:
        problems.append(f"{where}.read_only: must be true")
    if "ALL" not in (svc.get("cap_drop") or []):
        problems.append(f"{where}.cap_drop: must include ALL")
    return problems


def job_specs(doc):
    """(where, job spec) of a Job or of a CronJob's job template."""
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Job":
        return [("spec", spec)]
    if kind == "CronJob":
        return [("spec.jobTemplate.spec", (spec.get("jobTemplate") or {}).get("spec") or {})]
    return []


def check_k8s(doc):
    problems = []
    kind = doc.get("kind")
    if kind == "MPIJob":
        return check_mpijob(doc.get("spec") or {})
    if kind == "CronJob":
        policy = (doc.get("spec") or {}).get("concurrencyPolicy", "Allow")
        if policy not in ("Forbid", "Replace"):
            problems.append(
                f"spec.concurrencyPolicy: {policy!r} lets two trainings write "
                "the same model; use Forbid or Replace")
    for where, spec in job_specs(doc):
        problems += check_job(where, spec)
    return problems


def check_job(where, spec):
    problems = []
    pod = (spec.get("template") or {}).get("spec") or {}
    restart = pod.get("restartPolicy")
    if restart not in JOB_RESTART_POLICIES:
        problems.append(
            f"{where}.template.spec.restartPolicy: {restart!r}; a Job needs "
            "Never or OnFailure")
    if "backoffLimit" not in spec:
        problems.append(f"{where}.backoffLimit: missing (the default is 6 retries)")
    containers = pod.get("containers") or []
    if spec.get("completionMode") == "Indexed":
        problems += check_indexed(where, spec, containers)
    problems += check_failure_policy(where, spec, restart)
    if not containers:
        problems.append(f"{where}.template.spec.containers: none")
    pod_sc = pod.get("securityContext") or {}
    for i, container in enumerate(containers):
        cwhere = f"{where}.template.spec.containers[{i}]"
        problems += check_container(cwhere, container, pod_sc)
    return problems


def check_indexed(where, spec, containers):
    completions = spec.get("completions")
    if not isinstance(completions, int) or completions < 1:
        return [f"{where}.completions: an Indexed Job must set completions "
                f"(got {completions!r})"]
    problems = []
    for i, container in enumerate(containers):
        args = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
        shards = shard_count(args)
        if shards is not None and shards != completions:
            problems.append(
                f"{where}.template.spec.containers[{i}].args: --shards {shards} "
                f"but completions is {completions}")
    return problems


def shard_count(args):
    for i, arg in enumerate(args):
        if arg == "--shards" and i + 1 < len(args):
            return int(args[i + 1]) if args[i + 1].isdigit() else args[i + 1]
        if arg.startswith("--shards="):
            value = arg.split("=", 1)[1]
            return int(value) if value.isdigit() else value
    return None


def check_failure_policy(where, spec, restart):
    rules = (spec.get("podFailurePolicy") or {}).get("rules")
    if not rules:
        return [f"{where}.podFailurePolicy: missing; bad input (exit "
                f"{BAD_INPUT_EXIT}) would be retried"]
    problems = []
    if restart != "Never":
        problems.append(
            f"{where}.template.spec.restartPolicy: podFailurePolicy needs Never")
    for i, rule in enumerate(rules):
        codes = rule.get("onExitCodes")
        if not codes:
            continue
        values = codes.get("values") or []
        operator = codes.get("operator")
        matches = (BAD_INPUT_EXIT in values) if operator == "In" else (
            operator == "NotIn" and BAD_INPUT_EXIT not in values)
        if matches:
            action = rule.get("action")
            if action != "FailJob":
                problems.append(
                    f"{where}.podFailurePolicy.rules[{i}]: exit code "
                    f"{BAD_INPUT_EXIT} gets {action!r}, not FailJob")
            return problems
    problems.append(
        f"{where}.podFailurePolicy: no rule fails the Job on exit code "
        f"{BAD_INPUT_EXIT} (bad input)")
    return problems


def check_mpijob(spec):
    problems = []
    run_policy = spec.get("runPolicy") or {}
    if "backoffLimit" not in run_policy:
        problems.append("spec.runPolicy.backoffLimit: missing (the default is 6 retries)")
    clean = run_policy.get("cleanPodPolicy", "None")
    if clean not in ("Running", "All"):
        problems.append(
            f"spec.runPolicy.cleanPodPolicy: {clean!r} leaves the workers' sshd "
            "running after the job; use Running or All")
    replicas = spec.get("mpiReplicaSpecs") or {}
    for name, rs in replicas.items():
        problems += check_replica(f"spec.mpiReplicaSpecs.{name}", rs or {})
    pods = [((rs or {}).get("template") or {}).get("spec") or {} for rs in replicas.values()]
    non_root = any((pod.get("securityContext") or {}).get("runAsNonRoot") for pod in pods)
    if non_root and spec.get("sshAuthMountPath", "/root/.ssh") == "/root/.ssh":
        problems.append(
            "spec.sshAuthMountPath: the default /root/.ssh is not readable by a "
            "non-root pod; set it to the image user's ~/.ssh (/home/gbdt/.ssh)")
    launcher = ((((replicas.get("Launcher") or {}).get("template") or {})
                 .get("spec") or {}).get("containers") or [{}])[0]
    args = [str(a) for a in (launcher.get("command") or []) + (launcher.get("args") or [])]
    problems += check_mpirun_args(args, replicas, spec)
    return problems


def check_replica(where, rs):
    problems = []
    restart = rs.get("restartPolicy")
    if restart not in JOB_RESTART_POLICIES:
        problems.append(f"{where}.restartPolicy: {restart!r}; use Never or OnFailure")
    pod = (rs.get("template") or {}).get("spec") or {}
    pod_sc = pod.get("securityContext") or {}
    containers = pod.get("containers") or []
    if not containers:
        problems.append(f"{where}.template.spec.containers: none")
    for i, container in enumerate(containers):
        problems += check_container(f"{where}.template.spec.containers[{i}]", container, pod_sc)
    return problems


def check_mpirun_args(args, replicas, spec):
    where = "spec.mpiReplicaSpecs.Launcher.template.spec.containers[0]"
    if "mpirun" not in [a.rsplit("/", 1)[-1] for a in args[:1]]:
        return [f"{where}.command: the launcher must run mpirun (got {args[:1]})"]
    problems = []
    ranks = (replicas.get("Worker") or {}).get("replicas", 0) * spec.get("slotsPerWorker", 1)
    np_values = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-np", "-n", "--np")]
    if np_values != [str(ranks)]:
        got = " ".join(np_values) or "no -np"
        problems.append(
            f"{where}.args: -np {got} but Worker replicas x slotsPerWorker is {ranks}")
    bind = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--bind-to"]
    if bind != ["none"]:
        problems.append(
            f"{where}.args: mpirun needs --bind-to none (got {bind or 'its default'}): "
            "a rank bound to one core runs all its threads there")
    return problems


def check_container(where, container, pod_sc):
    problems = []
    sc = container.get("securityContext")
    if not isinstance(sc, dict):
        return [f"{where}.securityContext: missing"]
    non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
    if non_root is not True:
        problems.append(f"{where}.securityContext.runAsNonRoot: must be true")
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}.securityContext.readOnlyRootFilesystem: must be true")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}.securityContext.allowPrivilegeEscalation: must be false")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        problems.append(f"{where}.securityContext.capabilities.drop: must include ALL")
    resources = container.get("resources") or {}
    for part in ("requests", "limits"):
        if not resources.get(part):
            problems.append(f"{where}.resources.{part}: missing")
    return problems


def check_file(path):
    """Problems in one file, each prefixed with the file and document."""
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        return [f"{path}: {e}"]
    if not docs:
        return [f"{path}: empty"]
    problems = []
    for n, doc in enumerate(docs):
        if not isinstance(doc, dict):
            problems.append(f"{path}: document {n}: not a mapping")
        elif "services" in doc:
            problems += [f"{path}: {p}" for p in check_compose(doc)]
        elif "apiVersion" in doc and "kind" in doc:
            name = (doc.get("metadata") or {}).get("name", "?")
            label = f"{doc['kind']}/{name}"
            problems += [f"{path}: {label}: {p}" for p in check_k8s(doc)]
        else:
            problems.append(
                f"{path}: document {n}: neither a compose file nor a Kubernetes object")
    return problems


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    problems = []
    for path in argv[1:]:
        found = check_file(path)
        problems += found
        if not found:
            print(f"ok: {path}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
