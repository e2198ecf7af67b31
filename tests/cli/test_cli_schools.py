"""`attendly kpis --school` and `students --school` on a district of two schools (tests/district:
copies of the hand-made school), through the real console script on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests import district
from tests.cli.test_cli import cli_env, run  # noqa: F401  (the fixture, for this module)


def import_district(env: dict[str, str], folder: Path) -> list[str]:
    codes = district.codes(2)
    for code in codes:
        roster, attendance = district.write_school(folder, code)
        for kind, path in (("roster", roster), ("attendance", attendance)):
            done = run(env, "import", kind, str(path), "--json")
            assert done.returncode == 0, done.stderr + done.stdout
    return codes


def kpis(env: dict[str, str], *args: str) -> dict:
    done = run(env, "kpis", "--json", *args)
    assert done.returncode == 0, done.stderr
    result: dict = json.loads(done.stdout)
    return result


def test_kpis_of_a_school_and_of_the_district(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    first, second = import_district(cli_env, tmp_path)
    one, both = district.expected_kpis(1), district.expected_kpis(2)
    for code in (first, second):
        result = kpis(cli_env, "--school", code)
        assert {key: result[key] for key in one} == one, code
        assert result["scope"]["school"] == code
    whole = kpis(cli_env)
    assert {key: whole[key] for key in both} == both
    assert whole["scope"]["school"] is None
    unknown = run(cli_env, "kpis", "--school", "999", "--json")
    assert unknown.returncode != 0 and "school" in unknown.stderr


def test_students_of_a_school(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    first, second = import_district(cli_env, tmp_path)
    done = run(cli_env, "students", "--school", second, "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == district.ROSTER_ROWS
    assert {row["school_code"] for row in rows} == {second}
    assert all(row["student_id"].startswith(second) for row in rows)
