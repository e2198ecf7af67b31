"""Production shape: gunicorn (threaded workers) + a real Redis, and a Redis outage.

The server is `attendly serve --production` in its own process; events are published from
this process, as the import worker or another web process would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from attendly.events import RedisEventBus, data_changed
from tests.realtime.live import (
    PrivateRedis,
    free_port,
    nothing_more,
    private_redis,
    realtime_app,
    receive,
    signed_in,
    unique_prefix,
    wait_until,
    websocket,
)


@dataclass
class Production:
    url: str
    redis: PrivateRedis
    prefix: str
    env: dict[str, str]

    def bus(self) -> RedisEventBus:
        return RedisEventBus(self.redis.url, prefix=self.prefix)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    """gunicorn with two workers on a private redis-server (which the tests may stop)."""
    folder: Path = tmp_path_factory.mktemp("production")
    database = f"sqlite:///{folder}/prod.db"
    prefix = unique_prefix()
    with private_redis() as redis_server:
        realtime_app(folder, database, redis_server.url, prefix)  # schema, users, students
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "REDIS_URL": redis_server.url,
            "SECRET_KEY": "realtime-test-secret-key",
            "ATTENDLY_INSTANCE": str(folder),
            "ATTENDLY_EVENTS_PREFIX": prefix,
            "ATTENDLY_WEB_WORKERS": "2",
            "ATTENDLY_WEB_THREADS": "16",
            "ATTENDLY_WS_PING_SECONDS": "2",
        }
        command = [str(Path(sys.executable).with_name("attendly")), "serve", "--production"]
        command += ["--port", str(port)]
        log = (folder / "gunicorn.log").open("wb")
        server = subprocess.Popen(command, env=env, cwd=folder, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: _answers(url), 90, "gunicorn answering /health")
            yield Production(url, redis_server, prefix, env)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


def test_gunicorn_sends_an_event_published_by_another_process(production: Production) -> None:
    six_browser = signed_in(production.url, "teacher6")
    assert six_browser.get(f"{production.url}/", timeout=30).status_code == 200
    six = websocket(production.url, six_browser)
    seven = websocket(production.url, signed_in(production.url, "teacher7"))
    time.sleep(1.0)  # each worker's listener subscribes on its first connection
    try:
        version = production.bus().publish(data_changed("attendance", "001", [6], ["S6"]))
        assert receive(six) == {
            "kind": "attendance",
            "school": "001",
            "grades": [6],
            "student_ids": ["S6"],
            "version": version,
        }
        nothing_more(seven)
    finally:
        six.close()
        seven.close()


def test_an_import_by_the_command_line_reaches_each_teacher_trimmed(
    production: Production, tmp_path: Path
) -> None:
    from tests.web import school

    six = websocket(production.url, signed_in(production.url, "teacher6"))
    seven = websocket(production.url, signed_in(production.url, "teacher7"))
    time.sleep(1.0)
    try:
        for kind, path in (
            ("roster", school.write_roster(tmp_path / "roster.csv")),
            ("attendance", school.write_attendance(tmp_path / "attendance.csv")),
        ):
            command = [str(Path(sys.executable).with_name("attendly")), "import", kind, str(path)]
            done = subprocess.run(command, env=production.env, cwd=tmp_path, capture_output=True)
            assert done.returncode == 0, done.stderr.decode()[-2000:]
            contract = "import" if kind == "roster" else "attendance"
            got_six, got_seven = receive(six, timeout=20), receive(seven, timeout=20)
            assert (got_six["kind"], got_six["school"], got_six["grades"]) == (contract, "001", [6])
            assert got_six["student_ids"] == ["601", "602", "603"]
            assert (got_seven["grades"], got_seven["student_ids"]) == ([7], ["701", "702", "703"])
            assert got_six["version"] == got_seven["version"]
    finally:
        six.close()
        seven.close()


def test_with_redis_stopped_pages_keep_working_and_updates_resume(
    production: Production,
) -> None:
    browser = signed_in(production.url, "teacher6")
    client = websocket(production.url, browser)
    time.sleep(1.0)
    production.redis.stop()
    try:
        assert browser.get(f"{production.url}/", timeout=30).status_code == 200
        assert requests.get(f"{production.url}/health", timeout=10).status_code == 200
        polled = browser.get(f"{production.url}/api/v1/events?since=3", timeout=10)
        assert polled.status_code == 503
        assert polled.json()["events"] == [] and "Redis" in polled.json()["error"]
        assert browser.get(f"{production.url}/api/v1/events", timeout=10).status_code == 503
        client.send(json.dumps({"since": 0}))
        assert receive(client)["kind"] == "error"  # answered, not dropped
        with pytest.raises(redis.ConnectionError):
            production.bus().publish(data_changed("attendance", "001", [6], ["S6"]))
        time.sleep(3)  # several pings: the open websocket survives the outage
    finally:
        production.redis.start()
    # The restarted Redis lost the log: the client is told to refresh, then gets new events.
    assert receive(client, timeout=20) == {"kind": "resync", "version": 0}
    version = production.bus().publish(data_changed("attendance", "001", [6], ["S6"]))
    assert receive(client)["version"] == version == 1
    client.close()
