"""Catalog entries of the city-file intake (住民基本台帳の異動, 所得, 生活保護, 介護保険 → the NHI file and
the household cases): docs/city_intake_files.md."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("city-intake-list", "city.files.list_incoming",
                 "City files: list the waiting files (city-incoming/), the register first",
                 buckets={"exchange": "read"}),
    FunctionSpec("city-intake", "city.files.intake",
                 "City files: validate one file whole, apply it through the qualification application code "
                 "(the household cases re-projected in the same transactions) or reject it",
                 # the NHI file, the household cases (assessment), the access records; the file is moved;
                 # health: a joiner's 特定健診受診券 on acquisition (kokuho.programmes.vouchers.on_acquired)
                 tables={"qualification": "write", "assessment": "write", "health": "write", "access_log": "write"},
                 buckets={"exchange": "write"}, timeout_seconds=900, memory_mb=1024),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "city-intake", "city_intake.asl.json",
        "City files daily: 住民基本台帳の異動, 生活保護, 所得 (当初課税・更正), 介護保険 — checked whole, applied once",
        substitutions={"CityIntakeListFunction": ("function", "city-intake-list"),
                       "CityIntakeFunction": ("function", "city-intake")},
        # 06:30 Asia/Tokyo: the register's file of the previous day is in by then; a June tax file
        # delivered by the 14th is applied before the 本算定 of the 15th (02:00).
        schedules=(Schedule("cron(30 6 * * ? *)", {}, "daily city-file intake, 06:30 Asia/Tokyo"),),
    ),
)
