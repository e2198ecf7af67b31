"""Settings: zero-config defaults, environment parsing, loud failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from attendly.errors import ConfigError
from attendly.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ATTENDLY_") or name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_defaults_serve_the_embedded_quickstart(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.env == "development"
    assert settings.redis_url is None
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'instance' / 'attendly.db'}"
    assert settings.truancy_steps == (3, 6, 9) and settings.grade_levels == (6, 7, 8)
    assert settings.min_days_enrolled == 10 and settings.tier_preset == "attendance_works"


def test_environment_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTENDLY_TRUANCY_STEPS", "4,8")
    monkeypatch.setenv("ATTENDLY_GRADE_LEVELS", "7")
    monkeypatch.setenv("ATTENDLY_TIER_PRESET", "days_ladder")
    monkeypatch.setenv("ATTENDLY_CURRENT_ACADEMIC_YEAR", "2025-2026")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = load_settings()
    assert settings.truancy_steps == (4, 8) and settings.grade_levels == (7,)
    assert settings.tier_preset == "days_ladder"
    assert settings.current_academic_year == "2025-2026"
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ATTENDLY_MIN_DAYS_ENROLLED", "ten"),
        ("ATTENDLY_MIN_DAYS_ENROLLED", "0"),
        ("ATTENDLY_TIER_PRESET", "traffic_lights"),
        ("ATTENDLY_TRUANCY_STEPS", "3,x"),
        ("ATTENDLY_CURRENT_ACADEMIC_YEAR", "2025-2027"),
        ("ATTENDLY_ENV", "staging"),
        ("ATTENDLY_PERIODS_PER_DAY", "11"),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTENDLY_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert load_settings().resolved_secret_key() == "x" * 40


def test_development_secret_is_generated_once(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path / "inst")
    first = settings.resolved_secret_key()
    assert len(first) == 64
    assert Settings(instance_path=tmp_path / "inst").resolved_secret_key() == first
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ATTENDLY_MIN_DAYS_ENROLLED=31\n")
    assert load_settings().min_days_enrolled == 31
