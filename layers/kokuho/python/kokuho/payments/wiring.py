"""The collection ports wired to their adapters, for the use cases of kokuho.payments (the collection routes,
the notice print run, the payment intake, the overpayment, reminder, arrears and pension runs) and the pension
intake of kokuho.intake.apply: the ledger store (kokuho.records.collection), the pensions the insurers notified
(kokuho.records.pension_targets), the notice parts' writer and access records (kokuho.records.notice_files) and
the files put to the exchange bucket. The unit tests of the use cases pass the fakes of tests/fakes/ instead.

Each call answers a new adapter, as the use cases made them before (they hold no state of their own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kokuho.access.records import Actor
from kokuho.collection.pension_ports import PensionStore
from kokuho.collection.ports import CollectionStore
from kokuho.notices.print_run import Put, Record


def store() -> CollectionStore:
    from kokuho.records.collection import DynamoCollectionStore

    return DynamoCollectionStore()


def pension_store() -> PensionStore:
    from kokuho.records.pension_targets import DynamoPensionStore

    return DynamoPensionStore()


def notice_writer(actor: Actor, s3: Any | None = None) -> tuple[Put, Record]:
    """A print run's `put` into the encrypted work bucket and its `record` of each part's access record."""
    from kokuho.records.notice_files import notice_recorder, work_bucket_put

    return work_bucket_put(s3), notice_recorder(actor)


def notice_work(s3: Any | None = None) -> tuple[Callable[[str], bytes | None], Callable[[str], list[str]]]:
    """A print run's work files under notices/ of the work bucket: get(key) (None when absent) and keys(prefix)."""
    from kokuho.records.notice_files import work_bucket_get, work_bucket_keys

    return work_bucket_get(s3), work_bucket_keys(s3)


def exchange_put(prefix: str, suffix: str, content_type: str) -> Callable[[str, bytes], None]:
    """put(file_id, data): a file to the city's counterparts, under `prefix` of the exchange bucket, with the
    record of whose data it holds beside it (called inside kokuho.platform.exchange_subjects.collecting())."""

    def put(file_id: str, data: bytes) -> None:
        import boto3

        from kokuho.platform import exchange_subjects
        from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

        exchange_subjects.put_file(boto3.client("s3", region_name=aws_region()), BUCKETS_BY_LOGICAL["exchange"].name(),
                                   f"{prefix}{file_id}{suffix}", data, content_type)

    return put
