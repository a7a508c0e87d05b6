"""What a catalog grant ("read"/"write" on a table or bucket) allows, as IAM actions: the CDK roles
grant exactly these (infra/constructs/functions.py) and the embedded AWS holds an in-process handler to
the same (kokuho_local.local_lambda), so a handler cannot reach locally what its role denies on AWS.
"""

from __future__ import annotations

from kokuho.platform.catalog.model import Access
from kokuho.platform.tables import BucketSpec, TableSpec

TABLE_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
              "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"]
TABLE_WRITE = TABLE_READ + ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                            "dynamodb:BatchWriteItem"]
# Append-only tables (TableSpec.append_only: the access records): put new items, never update or delete.
TABLE_APPEND = TABLE_READ + ["dynamodb:PutItem"]
# The retention purge on an append-only table: put new items and delete due ones, never update one.
TABLE_PURGE = TABLE_APPEND + ["dynamodb:DeleteItem"]
OBJECT_READ = ["s3:GetObject", "s3:GetObjectVersion"]
OBJECT_WRITE = OBJECT_READ + ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
# Append-only buckets (BucketSpec.append_only: the Object-Locked audit bucket): put, never delete.
OBJECT_APPEND = OBJECT_READ + ["s3:PutObject"]
# Every bucket grant also lists the bucket (under the bucket's function_prefix when it has one).
BUCKET_LIST = "s3:ListBucket"


def table_actions(table: TableSpec, access: Access) -> list[str]:
    """On the table and its indexes."""
    if access == "purge":
        return TABLE_PURGE if table.append_only else TABLE_WRITE
    if access == "write":
        return TABLE_APPEND if table.append_only else TABLE_WRITE
    return TABLE_READ


def object_actions(bucket: BucketSpec, access: Access) -> list[str]:
    """On the bucket's objects (under its function_prefix when it has one)."""
    if access == "read":
        return OBJECT_READ
    return OBJECT_APPEND if bucket.append_only else OBJECT_WRITE
