"""Take the README screenshot: build the demo school, serve it, sign in, save the Overview.

Usage: python -m tests.web.screenshot docs/overview.png [--students N]

Everything runs in a temporary instance folder through the real command line
(`attendly demo --no-serve`, then `attendly serve`), so the picture shows what a new user sees.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1400, 1000
CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
)


def demo_env(instance: Path) -> dict[str, str]:
    """The environment of both commands: a throwaway instance and SQLite database."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        ATTENDLY_ENV="development",
        ATTENDLY_INSTANCE=str(instance),
        DATABASE_URL=f"sqlite:///{instance / 'attendly.db'}",
        # The repository first on the path, so its packages win over whatever an older
        # editable install recorded for them.
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def attendly_command(*args: str) -> list[str]:
    """The installed `attendly` console script beside this Python (or its entry point)."""
    script = Path(sys.executable).with_name("attendly")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from attendly.cli import main; main()", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`attendly serve` exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not come up in {timeout:.0f} s")


def start_browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    # --window-size counts the window frame; the picture must be exactly WIDTH x HEIGHT.
    metrics = {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    return driver


def capture_overview(driver: Any, url: str, out: Path) -> None:
    """Sign in as the demo admin, wait for the KPIs and the drawn chart, save the picture."""
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(driver, 60, poll_frequency=0.2)
    driver.get(f"{url}/")
    wait.until(ec.presence_of_element_located(("id", "username")))
    driver.find_element("id", "username").send_keys("admin")
    driver.find_element("id", "password").send_keys("demo-admin")
    driver.find_element("id", "login-submit").click()
    wait.until(ec.presence_of_element_located(("id", "kpi-attendance_rate")))
    wait.until(
        lambda d: d.find_elements("css selector", "#overview-trend .scatterlayer .trace path")
    )
    wait.until(lambda d: not d.find_elements("css selector", "._dash-loading, .dash-spinner"))
    driver.execute_script("window.scrollTo(0, 0); document.activeElement.blur();")
    time.sleep(0.5)  # let plotly finish its transition before the picture is taken
    out.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(out))


def take(out: Path, students: int) -> None:
    with tempfile.TemporaryDirectory(prefix="attendly-screenshot-") as folder:
        instance = Path(folder) / "instance"
        env = demo_env(instance)
        subprocess.run(
            attendly_command("demo", "--no-serve", "--students", str(students)),
            env=env,
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            attendly_command("serve", "--port", str(port)),
            env=env,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(url, server)
            driver = start_browser()
            try:
                capture_overview(driver, url, out)
            finally:
                driver.quit()
        finally:
            server.terminate()
            server.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the PNG")
    parser.add_argument("--students", type=int, default=900, help="demo school size")
    args = parser.parse_args(argv)
    take(args.out.resolve(), args.students)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
