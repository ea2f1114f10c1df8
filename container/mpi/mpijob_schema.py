#!/usr/bin/env python3
"""Validate Kubeflow MPIJobs (kubeflow.org/v2beta1) offline, as the MPI Operator would.

    mpijob_schema.py validate FILE...                      every MPIJob in the files
    mpijob_schema.py regenerate CRD.yaml --commit SHA      rewrite the schema fixture

The schema is the fixture container/testdata/kubeflow.org_mpijobs.v2beta1.schema.json:
the v2beta1 openAPIV3Schema of manifests/base/kubeflow.org_mpijobs.yaml in
https://github.com/kubeflow/mpi-operator, at the commit recorded in the
fixture's "x-gbdt-source", without the descriptions (182 kB of the CRD's 670 kB).
To update it, take that file from the release your cluster runs and
`mpijob_schema.py regenerate kubeflow.org_mpijobs.yaml --commit <its commit>`.

validate checks each MPIJob against
  - the schema, strictly: an unknown field is an error (like
    `kubectl apply --validate=strict`; the API server's default is to drop it
    with a warning, so a misspelled field silently does nothing);
  - the operator's own rules (pkg/apis/kubeflow/validation/validation.go and
    the replica types of pkg/apis/kubeflow/v2beta1/types.go), which it applies
    only after the object is stored, failing the job with an event: the
    replica types are Launcher and Worker, a Launcher with 1 replica is
    required, restartPolicy is Never or OnFailure, cleanPodPolicy is None,
    Running or All, every replica has a container, and
    "<name>-worker-<last index>" is a DNS-1035 label.
Uses python jsonschema and PyYAML. Prints one line per problem, exits 1 if any.
"""

import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "testdata", "kubeflow.org_mpijobs.v2beta1.schema.json")
SOURCE = {
    "repository": "https://github.com/kubeflow/mpi-operator",
    "path": "manifests/base/kubeflow.org_mpijobs.yaml",
    "version": "v2beta1",
}
REPLICA_TYPES = ("Launcher", "Worker")
RESTART_POLICIES = ("Never", "OnFailure")
CLEAN_POD_POLICIES = ("None", "Running", "All")
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def without_descriptions(node):
    if isinstance(node, dict):
        return {k: without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [without_descriptions(v) for v in node]
    return node


def regenerate(crd_path, commit):
    with open(crd_path, encoding="utf-8") as f:
        crd = yaml.safe_load(f)
    versions = [v for v in crd["spec"]["versions"] if v["name"] == SOURCE["version"]]
    if crd["spec"]["names"]["kind"] != "MPIJob" or len(versions) != 1:
        raise SystemExit(f"{crd_path}: not the MPIJob CRD with a {SOURCE['version']} version")
    schema = without_descriptions(versions[0]["schema"]["openAPIV3Schema"])
    schema["x-gbdt-source"] = dict(SOURCE, commit=commit)
    with open(FIXTURE, "w", encoding="utf-8") as f:
        json.dump(schema, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.normpath(FIXTURE)} from {crd_path} ({commit})")


def strict(node):
    """The schema with additionalProperties false wherever fields are listed
    and unknown ones are not explicitly kept."""
    if isinstance(node, list):
        return [strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def schema_problems(validator, doc):
    problems = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in error.absolute_path) or "(top)"
        problems.append(f"{where}: {error.message}")
    return problems


def operator_problems(doc):
    """The MPI Operator's validation.go, after its defaults (default.go)."""
    spec = doc.get("spec") or {}
    replicas = spec.get("mpiReplicaSpecs") or {}
    problems = [f"spec.mpiReplicaSpecs.{name}: not a replica type; use one of "
                f"{', '.join(REPLICA_TYPES)}" for name in replicas if name not in REPLICA_TYPES]
    launcher = replicas.get("Launcher")
    if launcher is None:
        problems.append("spec.mpiReplicaSpecs.Launcher: missing; an MPIJob needs a Launcher")
    elif launcher.get("replicas", 1) != 1:
        problems.append(f"spec.mpiReplicaSpecs.Launcher.replicas: {launcher['replicas']}, must be 1")
    for name in REPLICA_TYPES:
        rs = replicas.get(name)
        if rs is None:
            continue
        where = f"spec.mpiReplicaSpecs.{name}"
        if rs.get("restartPolicy", "Never") not in RESTART_POLICIES:
            problems.append(f"{where}.restartPolicy: {rs['restartPolicy']!r}, must be one "
                            f"of {', '.join(RESTART_POLICIES)}")
        if not ((rs.get("template") or {}).get("spec") or {}).get("containers"):
            problems.append(f"{where}.template.spec.containers: none")
    clean = (spec.get("runPolicy") or {}).get("cleanPodPolicy", "None")
    if clean not in CLEAN_POD_POLICIES:
        problems.append(f"spec.runPolicy.cleanPodPolicy: {clean!r}, must be one of "
                        f"{', '.join(CLEAN_POD_POLICIES)}")
    workers = (replicas.get("Worker") or {}).get("replicas")
    last = workers - 1 if isinstance(workers, int) and workers > 0 else 0
    host = f"{(doc.get('metadata') or {}).get('name', '')}-worker-{last}"
    if len(host) > 63 or not DNS_1035.match(host):
        problems.append(f"metadata.name: the pod name {host!r} is not a DNS-1035 label")
    return problems


def validate(paths):
    from jsonschema import Draft7Validator  # imported here: regenerate needs only PyYAML

    with open(FIXTURE, encoding="utf-8") as f:
        validator = Draft7Validator(strict(json.load(f)))
    problems = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            problems.append(f"{path}: {e}")
            continue
        jobs = [d for d in docs if isinstance(d, dict) and d.get("kind") == "MPIJob"]
        if not jobs:
            problems.append(f"{path}: no MPIJob in the file")
        found = []
        for doc in jobs:
            name = (doc.get("metadata") or {}).get("name", "?")
            found += [f"{path}: MPIJob/{name}: {p}"
                      for p in schema_problems(validator, doc) + operator_problems(doc)]
        if jobs and not found:
            print(f"ok: {path}")
        problems += found
    for p in problems:
        print(p)
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "validate":
        return validate(argv[2:])
    if len(argv) == 5 and argv[1] == "regenerate" and argv[3] == "--commit":
        regenerate(argv[2], argv[4])
        return 0
    print(__doc__.strip())
    return 0 if len(argv) == 2 and argv[1] in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
