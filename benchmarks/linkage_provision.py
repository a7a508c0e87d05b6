"""Throughput of 情報提供 (provision on request) end to end on the embedded AWS, and the cost of the
hybrid encryption per reply.

    .venv/bin/python benchmarks/linkage_provision.py [--requests N] [--parallel P] [--encryptions M]

End to end: the sandbox requester builds a request with a network-signed permit; the provision state
machine runs in moto's Step Functions interpreter (check → provide → send, handlers in-process: permitted list,
permit signature and one-use consumption, 副本 read, allow-list, X25519+HKDF+AES-256-GCM, 情報提供等記録,
access records); the requester decrypts the reply. `--parallel` executions are started at once and
polled. Encryption: encrypt_for and decrypt_with of a typical reply body, timed alone.

Keep --parallel at 1 on the embedded AWS: moto's TransactWriteItems deep-copies each table it touches
for its rollback, which fails ("dictionary changed size during iteration") when another execution
writes at the same time, and makes every transaction cost grow with the table. Both are moto's, not
DynamoDB's; the figure is a floor for the code path, not a capacity estimate.
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
from datetime import date

from kokuho.access.records import Actor
from kokuho.linkage.codes import register_code
from kokuho.linkage.crypto import KeyPair, decrypt_with, encrypt_for, exchange_aad
from kokuho.linkage.network import CITY_KIND, city_body, set_gateway
from kokuho.linkage.provision import provide, receive_request, register_copy, register_network_key, send_reply
from kokuho_local.embedded import embedded_aws
from kokuho_local.sandbox import SandboxNetwork, SandboxRequester

CLERK = Actor(staff_id="S0100", terminal_id="T-BENCH", purpose="benchmark")
COPY = {"insurer_number": "401000", "qualification_status": "insured", "qualification_acquired_on": "2020-04-01",
        "benefit_payments": [{"month": f"2024-{m:02d}", "kind": "療養の給付", "amount": 10000 + m}
                             for m in range(1, 13)]}


def encryption_cost(n: int) -> tuple[float, float, int]:
    key = KeyPair.generate()
    body = json.dumps({"request_id": "R" * 21, "item": "2", "provider_body": city_body(),
                       "provided_at": date.today().isoformat(), "fields": COPY}, ensure_ascii=False).encode()
    aad = exchange_aad("R" * 21, "2")
    t0 = time.perf_counter()
    envs = [encrypt_for(key.public_b64, body, aad) for _ in range(n)]
    t1 = time.perf_counter()
    for env in envs:
        decrypt_with(key.private_raw, env, aad)
    t2 = time.perf_counter()
    return (t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--encryptions", type=int, default=2000)
    args = parser.parse_args()

    enc_us, dec_us, size = encryption_cost(args.encryptions)
    print(f"encryption per reply ({size} bytes plaintext): encrypt {enc_us:.0f} µs, decrypt {dec_us:.0f} µs "
          f"(X25519-HKDF-SHA256-A256GCM, {args.encryptions} replies)")

    with embedded_aws() as aws:
        net = SandboxNetwork()
        set_gateway(net)
        register_network_key(net.signing_public)
        net.register_body(city_body(), CITY_KIND)
        refs = [f"1{n:010d}" for n in range(20)]
        for i, ref in enumerate(refs):
            register_code(f"B{i}", ref, net, CLERK)
            register_copy(f"B{i}", COPY, CLERK)
        kyokai = SandboxRequester("全国健康保険協会福岡支部", "全国健康保険協会", net)
        requests = [kyokai.make_request("2", refs[n % len(refs)], city_body()) for n in range(args.requests)]
        sfn = aws.client("stepfunctions")
        arn = aws.state_machine_arn("linkage-provision")
        done = 0
        t0 = time.perf_counter()
        for start in range(0, len(requests), args.parallel):
            batch = requests[start:start + args.parallel]
            arns = [sfn.start_execution(stateMachineArn=arn, name=f"b-{secrets.token_hex(4)}",
                                        input=json.dumps(r))["executionArn"] for r in batch]
            for ex in arns:
                reply = aws.wait_execution(ex, timeout_s=120, poll_s=0.01)
                assert reply["status"] == "provided", reply
                kyokai.open_reply(reply)
                done += 1
        elapsed = time.perf_counter() - t0
        # The same steps called directly (no Step Functions, no Lambda routing): the share of the
        # domain and moto's DynamoDB in the end-to-end figure.
        direct = [kyokai.make_request("2", refs[n % len(refs)], city_body()) for n in range(args.requests)]
        t1 = time.perf_counter()
        for r in direct:
            assert receive_request(r)["decision"] == "accepted"
            assert provide(r["request_id"])["status"] == "provided"  # record + reply committed (outbox)
            kyokai.open_reply(send_reply(r["request_id"]))
        direct_elapsed = time.perf_counter() - t1
        set_gateway(None)
    print(f"provision end to end on the embedded AWS: {done} requests in {elapsed:.2f} s = "
          f"{done / elapsed:.1f} provisions/s ({elapsed / done * 1000:.0f} ms each, {args.parallel} in flight)")
    print(f"same steps called directly on moto DynamoDB (no state machine): "
          f"{len(direct) / direct_elapsed:.1f} provisions/s ({direct_elapsed / len(direct) * 1000:.0f} ms each)")


if __name__ == "__main__":
    main()
