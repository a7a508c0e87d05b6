"""Benchmark: My Numbers stored by the vault on the embedded AWS — KMS calls per number and persons/s.

    .venv/bin/python benchmarks/vault_intake.py [--persons 100000] [--per-number-keys]
    .venv/bin/python benchmarks/vault_intake.py --demo-city 3000   # the demo's intake step alone

1. `--persons` numbers stored through the vault's use case (kokuho.identity.vault_service.Vault.store: keyed
   hash, look-ups, the sealed number with its "on file" mark and access record in one transaction) with
   the KMS sealer of the deployed function (kokuho.identity.vault_kms, a batch data key: at most
   DATA_KEY_MAX_USES numbers and DATA_KEY_MAX_AGE_S seconds each). `--per-number-keys` seals with a key
   used once (max_uses=1): the vault's former cost, one GenerateDataKey a number.
   KMS calls are counted on the client (botocore events), by operation; then a sample of the numbers is
   opened by another container's sealer (Decrypt calls per wrapped key).
2. `--demo-city N`: the demo's intake step (`kokuho demo`'s intake_s): a city of N households generated
   as the demo does and loaded through the intake Lambda, My Numbers handed to the vault Lambda (with the
   demo's collector thresholds and CloudTrail recorder, as `kokuho demo` runs the step).
moto is far slower than DynamoDB and KMS: persons/s bound local runs, not production.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from typing import Any


def _number(i: int) -> str:
    from kokuho.identity.mynumber import check_digit

    body = f"{i:011d}"
    return body + str(check_digit(body))  # never printed


def _counting_kms() -> tuple[Any, Counter[str]]:
    import boto3

    from kokuho.platform.tables import aws_region

    calls: Counter[str] = Counter()
    kms = boto3.client("kms", region_name=aws_region())
    kms.meta.events.register("before-call.kms.*", lambda model, **_: calls.update([model.name]))
    return kms, calls


def vault_store(persons: int, per_number_keys: bool, sample: int) -> dict[str, Any]:
    from kokuho.access.actor import Actor
    from kokuho.identity.vault import AccessGrants
    from kokuho.identity.vault_kms import DATA_KEY_MAX_AGE_S, DATA_KEY_MAX_USES, KmsSealer
    from kokuho.identity.vault_service import Vault
    from kokuho.records.vault_store import PynamoVaultStore
    from kokuho_local.embedded import embedded_aws

    actor = Actor("S-BENCH", "T-BENCH", "資格管理 (国保法第9条)")
    with embedded_aws():
        kms, calls = _counting_kms()
        store = PynamoVaultStore()
        vault = Vault(store, KmsSealer(kms, max_uses=1 if per_number_keys else DATA_KEY_MAX_USES), AccessGrants())
        results: Counter[str] = Counter()
        t, cpu = time.perf_counter(), time.process_time()
        for i in range(persons):
            results[vault.store(f"BENCH-{i:07d}", _number(10_000_000 + i), actor)] += 1
            if (i + 1) % 10_000 == 0:  # progress on stderr: a long run tells its rate as it goes
                print(f"{i + 1} stored, KMS calls {sum(calls.values())}, {(i + 1) / (time.perf_counter() - t):.1f}/s, "
                      f"{(i + 1) / (time.process_time() - cpu):.1f}/CPU-s", file=sys.stderr, flush=True)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        stored_calls = dict(calls)

        reader_kms, reads = _counting_kms()
        reader = KmsSealer(reader_kms)
        step = max(1, persons // sample)
        ids = [f"BENCH-{i:07d}" for i in range(0, persons, step)]
        opened = 0
        for pid in ids:
            current = store.current(pid)
            opened += current is not None and reader.open(pid, current.sealed) == _number(10_000_000 + int(pid[6:]))
    kms_calls = sum(stored_calls.values())
    return {"persons": persons, "results": dict(results),
            "data_key": "one per number (former)" if per_number_keys else
            f"batch: ≤ {DATA_KEY_MAX_USES} numbers, ≤ {DATA_KEY_MAX_AGE_S:.0f} s",
            "kms_calls": stored_calls, "kms_calls_per_number": round(kms_calls / persons, 5),
            "wall_s": round(wall, 2), "persons_per_s": round(persons / wall, 1),
            "cpu_s": round(cpu, 2), "persons_per_cpu_s": round(persons / cpu, 1), "load_average": os.getloadavg(),
            "read_back": {"opened": opened, "of": len(ids), "kms_decrypt_calls": reads.get("Decrypt", 0)}}


def demo_intake(households: int, seed: int, fiscal_year: int) -> dict[str, Any]:
    import gc
    import tempfile
    from pathlib import Path

    from kokuho_local.cli.demo import GC_THRESHOLD
    from kokuho_local.demo.assessment import load_city
    from kokuho_local.embedded import embedded_aws
    from kokuho_local.synthetic import generate_city
    from kokuho_local.trail_recorder import TrailRecorder

    city = generate_city(households, seed=seed, fiscal_year=fiscal_year, registers=True)
    quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
    # as `kokuho demo` runs it: its collector thresholds, and every call recorded into its CloudTrail
    gc.set_threshold(*GC_THRESHOLD)
    recorder = TrailRecorder(Path(tempfile.mkdtemp()) / "trail")
    with embedded_aws(function_environment=quiet) as aws, recorder.recording():
        t, cpu = time.perf_counter(), time.process_time()
        loaded = load_city(aws, city, fiscal_year, lambda _line: None)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    return {"households": households, "persons": city.persons, "my_numbers": loaded["my_numbers"],
            "city_files_s": loaded["files_s"], "my_numbers_s": loaded["my_numbers_s"],
            "intake_s": round(wall, 2), "persons_per_s": round(city.persons / wall, 1), "cpu_s": round(cpu, 2),
            "load_average": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--per-number-keys", action="store_true", help="the former sealing: a data key a number")
    parser.add_argument("--sample", type=int, default=200, help="numbers read back by another container")
    parser.add_argument("--demo-city", type=int, metavar="HOUSEHOLDS", help="time the demo's intake step instead")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--fiscal-year", type=int, default=2024)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    if args.demo_city:
        out = demo_intake(args.demo_city, args.seed, args.fiscal_year)
    else:
        out = vault_store(args.persons, args.per_number_keys, args.sample)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
