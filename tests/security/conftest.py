"""The security suite runs against the one app of tests/web (never a second Dash app)."""

from tests.web.conftest import (  # noqa: F401  (fixtures, re-exported for this package)
    client,
    expected_kpis,
    fresh_sign_in_attempts,
    live_url,
    web_app,
)
from tests.web.test_overview_browser import (  # noqa: F401  (browser fixtures)
    new_browser,
    webdriver_module,
)
