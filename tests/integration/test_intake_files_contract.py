"""One contract, two adapters, for the city-file intake's own records (kokuho.intake.ports.IntakeFiles): the
in-memory fake (tests/fakes/intake_files.py) and the pynamodb adapter (kokuho.records.intake_files) behave alike
where kokuho.intake.apply relies on them — a file is a duplicate once marked applied (that kind, those bytes),
a held line counts as done, nobody is found or pending in an empty file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakes.intake_files import InMemoryIntakeFiles
from pynamodb.exceptions import TransactWriteError

from kokuho.access.actor import Actor
from kokuho.qualification.ports import StoreConflict

RUN = Actor("system:tax-intake", "test", "所得情報による保険料の賦課")
DIGEST = "a" * 64


@pytest.fixture(params=["fake", "pynamodb"])
def files(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryIntakeFiles()
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.records.intake_files import PynamoIntakeFiles

        yield PynamoIntakeFiles()


def test_a_file_is_applied_once_marked_for_its_kind_and_bytes(files: Any) -> None:
    assert not files.applied_file("tax", DIGEST)
    files.mark_applied("tax", DIGEST, source_key="incoming/tax/a.csv", counts={"applied": 2})
    assert files.applied_file("tax", DIGEST)
    assert not files.applied_file("care", DIGEST) and not files.applied_file("tax", "b" * 64)


def test_a_held_line_is_done_and_only_once(files: Any) -> None:
    assert files.applied_lines("tax", DIGEST) == set()
    files.hold_line(RUN, "tax", DIGEST, 3, "the 宛名番号 is not in the NHI file", {"atena_no": "123456789"})
    files.hold_line(RUN, "tax", DIGEST, 7, "the 宛名番号 is not in the NHI file", {"atena_no": "123456780"})
    assert files.applied_lines("tax", DIGEST) == {3, 7}
    assert files.applied_lines("care", DIGEST) == set()
    with pytest.raises((StoreConflict, TransactWriteError)):  # the line's marker is written once
        files.hold_line(RUN, "tax", DIGEST, 3, "again", {"atena_no": "123456789"})
    assert files.applied_lines("tax", DIGEST) == {3, 7}


def test_nobody_is_pending_or_found_in_an_empty_file(files: Any) -> None:
    assert not files.pending_acquisition("P1")
    assert files.pending_acquisitions_of(["P1", "P2"]) == set() and files.pending_acquisitions_of([]) == set()
    assert files.persons_of_resident_code("123456789") == set()


def test_a_transactions_marker_names_each_of_its_lines_and_is_written_once() -> None:
    from pynamodb.exceptions import PutError

    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.records import intake_files

        def put(lines: list[int]) -> None:
            intake_files.lines_marker("tax", DIGEST, lines).save(
                condition=intake_files.AppliedLineModel.pk.does_not_exist())

        put([9, 3, 4, 5, 12, 13])
        put([20])
        intake_files.line_marker("tax", DIGEST, 30).save()  # a line's own marker, as the pension intake writes
        assert intake_files.applied_lines("tax", DIGEST) == {3, 4, 5, 9, 12, 13, 20, 30}
        with pytest.raises(PutError):
            put([3, 21])  # the first line's marker exists
        assert intake_files.applied_lines("tax", DIGEST) == {3, 4, 5, 9, 12, 13, 20, 30}
