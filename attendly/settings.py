"""One typed settings object, read from the environment (and `.env`), failing loudly."""

from __future__ import annotations

import ipaddress
import re
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from attendly.errors import ConfigError

ACADEMIC_YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")


class Settings(BaseSettings):
    """Process-wide configuration. Tests build it directly: `Settings(database_url=...)`.

    Policy values (tier preset, minimum days, truancy steps, ...) only *seed* the database's
    policy table; once stored, an admin edits them there.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    env: Literal["development", "production", "test"] = Field(
        "development", validation_alias="ATTENDLY_ENV"
    )
    instance_path: Path = Field(Path("instance"), validation_alias="ATTENDLY_INSTANCE")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    secret_key: str | None = Field(None, validation_alias="SECRET_KEY")
    current_academic_year: str | None = Field(
        None, validation_alias="ATTENDLY_CURRENT_ACADEMIC_YEAR"
    )
    default_school_code: str = Field("001", validation_alias="ATTENDLY_DEFAULT_SCHOOL_CODE")
    min_days_enrolled: int = Field(10, ge=1, validation_alias="ATTENDLY_MIN_DAYS_ENROLLED")
    tier_preset: Literal["attendance_works", "days_ladder"] = Field(
        "attendance_works", validation_alias="ATTENDLY_TIER_PRESET"
    )
    truancy_steps: Annotated[tuple[int, ...], NoDecode] = Field(
        (3, 6, 9), validation_alias="ATTENDLY_TRUANCY_STEPS"
    )
    periods_per_day: int = Field(7, ge=1, le=10, validation_alias="ATTENDLY_PERIODS_PER_DAY")
    grade_levels: Annotated[tuple[int, ...], NoDecode] = Field(
        (6, 7, 8), validation_alias="ATTENDLY_GRADE_LEVELS"
    )
    unverified_counts_as_unexcused: bool = Field(
        False, validation_alias="ATTENDLY_UNVERIFIED_COUNTS_AS_UNEXCUSED"
    )
    # Security: uploads, sessions, sign-in throttling, reverse proxies.
    max_upload_mb: int = Field(50, ge=1, le=2048, validation_alias="ATTENDLY_MAX_UPLOAD_MB")
    idle_minutes: int = Field(30, ge=1, le=24 * 60, validation_alias="ATTENDLY_IDLE_MINUTES")
    login_attempts: int = Field(5, ge=1, validation_alias="ATTENDLY_LOGIN_ATTEMPTS")
    address_attempts: int = Field(20, ge=1, validation_alias="ATTENDLY_ADDRESS_ATTEMPTS")
    lockout_minutes: int = Field(15, ge=1, validation_alias="ATTENDLY_LOCKOUT_MINUTES")
    proxy_count: int = Field(0, ge=0, le=5, validation_alias="ATTENDLY_PROXY_COUNT")
    # Operations: who may read /metrics, the log format, when a worker counts as gone.
    metrics_token: str | None = Field(
        None, min_length=16, validation_alias="ATTENDLY_METRICS_TOKEN"
    )
    metrics_allowed: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="ATTENDLY_METRICS_ALLOWED"
    )
    log_format: Literal["json", "text"] | None = Field(None, validation_alias="ATTENDLY_LOG_FORMAT")
    worker_heartbeat_seconds: int = Field(
        480, ge=1, validation_alias="ATTENDLY_WORKER_HEARTBEAT_SECONDS"
    )
    # Jobs: import chunk size, retry backoff of transient failures, e-mail, scheduled sync.
    import_chunk_rows: int = Field(50_000, ge=1, validation_alias="ATTENDLY_IMPORT_CHUNK_ROWS")
    retry_intervals: Annotated[tuple[int, ...], NoDecode] = Field(
        (10, 30, 90), validation_alias="ATTENDLY_RETRY_INTERVALS"
    )
    smtp_url: str | None = Field(None, validation_alias="ATTENDLY_SMTP_URL")
    mail_from: str = Field("attendly@localhost", validation_alias="ATTENDLY_MAIL_FROM")
    admin_emails: str = Field("", validation_alias="ATTENDLY_ADMIN_EMAILS")  # comma-separated
    drop_folder: Path | None = Field(None, validation_alias="ATTENDLY_DROP_FOLDER")
    sync_aeries_time: str = Field("02:00", validation_alias="ATTENDLY_SYNC_AERIES_TIME")
    sync_iready_weekday: int = Field(0, ge=0, le=6, validation_alias="ATTENDLY_SYNC_IREADY_DAY")
    # Change events (attendly.events, attendly.realtime) and the production web server.
    events_prefix: str = Field(
        "attendly", pattern=r"^[A-Za-z0-9_.-]{1,40}$", validation_alias="ATTENDLY_EVENTS_PREFIX"
    )
    events_log_size: int = Field(
        1000, ge=10, le=100_000, validation_alias="ATTENDLY_EVENTS_LOG_SIZE"
    )
    events_student_channels: int = Field(
        100, ge=0, le=10_000, validation_alias="ATTENDLY_EVENTS_STUDENT_CHANNELS"
    )
    ws_ping_seconds: int = Field(25, ge=1, le=3600, validation_alias="ATTENDLY_WS_PING_SECONDS")
    web_workers: int = Field(2, ge=1, le=64, validation_alias="ATTENDLY_WEB_WORKERS")
    web_threads: int = Field(64, ge=2, le=1000, validation_alias="ATTENDLY_WEB_THREADS")
    # Live dashboards: how often a tab polls for changes while its websocket is down.
    live_poll_seconds: float = Field(
        15, ge=0.2, le=600, validation_alias="ATTENDLY_LIVE_POLL_SECONDS"
    )
    # Page-cache warm-up after each change event (attendly.warmup): on by default, off when
    # ATTENDLY_ENV=test unless set. Events reach open dashboards at once (hold 0) and their
    # refresh waits for the warm-up's figures (the page cache computes a key once), or, with a
    # hold, once the whole school's Overview is warm or the hold has passed.
    warm_cache: bool | None = Field(None, validation_alias="ATTENDLY_WARM_CACHE")
    warm_hold_seconds: float = Field(
        0.0, ge=0, le=30, validation_alias="ATTENDLY_WARM_HOLD_SECONDS"
    )
    # Dashboard page cache (attendly.cache): how long an entry lives, in process or in Redis
    # (shared by every web process when REDIS_URL is set).
    page_cache_ttl_seconds: float = Field(
        300, ge=1, le=86_400, validation_alias="ATTENDLY_PAGE_CACHE_TTL_SECONDS"
    )
    # A read replica for the dashboards' reads (db.reads.read_session) and the connection
    # pools: each web process holds at most pool_size + max_overflow connections per engine.
    database_read_url: str | None = Field(None, validation_alias="DATABASE_READ_URL")
    db_pool_size: int = Field(5, ge=1, le=1000, validation_alias="ATTENDLY_DB_POOL_SIZE")
    db_max_overflow: int = Field(10, ge=0, le=1000, validation_alias="ATTENDLY_DB_MAX_OVERFLOW")
    # Teachers may correct a period status of a day at most this many days back (0 = today).
    correction_window_days: int = Field(
        7, ge=0, le=366, validation_alias="ATTENDLY_CORRECTION_WINDOW_DAYS"
    )
    # Alert rules (attendly.alerts): thresholds and the window a failed import stays alerted
    # (the worker-down rule uses worker_heartbeat_seconds above).
    alert_success_rate_target: float = Field(
        99.0, ge=0, le=100, validation_alias="ATTENDLY_ALERT_SUCCESS_RATE_TARGET"
    )
    alert_stale_attendance_hours: int = Field(
        36, ge=1, validation_alias="ATTENDLY_ALERT_STALE_ATTENDANCE_HOURS"
    )
    alert_quality_threshold: float = Field(
        90.0, ge=0, le=100, validation_alias="ATTENDLY_ALERT_QUALITY_THRESHOLD"
    )
    alert_import_window_hours: int = Field(
        24, ge=1, validation_alias="ATTENDLY_ALERT_IMPORT_WINDOW_HOURS"
    )

    @field_validator("truancy_steps", "grade_levels", "retry_intervals", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("current_academic_year")
    @classmethod
    def _academic_year(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = ACADEMIC_YEAR_PATTERN.match(value)
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise ValueError(f"academic year must look like 2025-2026, got {value!r}")
        return value

    @field_validator("metrics_allowed", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        """A comma list of addresses or CIDR networks, each checked here (fail at start)."""
        parts = value.split(",") if isinstance(value, str) else value
        if not isinstance(parts, list | tuple):
            return value
        networks = tuple(str(part).strip() for part in parts if str(part).strip())
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network: {network!r}") from exc
        return networks

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.env == "production" and not self.secret_key:
            raise ValueError("SECRET_KEY is required when ATTENDLY_ENV=production")
        return self

    @property
    def warm_cache_enabled(self) -> bool:
        """ATTENDLY_WARM_CACHE, or on everywhere but under test."""
        return self.warm_cache if self.warm_cache is not None else self.env != "test"

    @property
    def resolved_log_format(self) -> Literal["json", "text"]:
        """ATTENDLY_LOG_FORMAT, or JSON lines in production and text elsewhere."""
        if self.log_format:
            return self.log_format
        return "json" if self.env == "production" else "text"

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL: DATABASE_URL, or the SQLite file in the instance folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.instance_path / 'attendly.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """SECRET_KEY, or a key generated once into the instance folder (development only)."""
        if self.secret_key:
            return self.secret_key
        path = self.instance_path / "secret_key"
        if not path.exists():
            self.instance_path.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; turn a bad value into one clear ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc
    except SettingsError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from exc
