"""Real-browser tests: Playwright driving Debian's Chromium against ``live_server``.

Every page a test looks at goes through ``Visitor.check(name)``: axe-core finds no serious or
critical WCAG 2.1 AA violation, the rendered HTML is saved for the Nu HTML checker (run once, at
the end of the session, over every saved page) and a screenshot is written. A console error or a
Content-Security-Policy violation on any page fails the test.

What the tests need, none of it downloaded by the tests: /usr/bin/chromium (Debian package
``chromium``; ``fonts-wqy-microhei`` so that Chinese shows in screenshots), ``node_modules`` from
``npm ci`` (axe-core and vnu-jar) and Java 17 for vnu. Without them the tests skip with a message;
with ``CI=true`` a missing tool is a failure instead.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
HTML_DIR = ARTIFACTS / "html"
SCREENSHOT_DIR = ARTIFACTS / "screenshots"
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOW_TO_RUN = (
    "to run them: apt-get install chromium fonts-wqy-microhei, npm ci (axe-core, vnu-jar), "
    "Java 17, then make test-browser"
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}

# Records every CSP violation of the page. Init scripts are injected by the browser, so the
# page's own CSP ('self' only) does not apply to this one.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  var report = {
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    source: event.sourceFile + ":" + event.lineNumber
  };
  window.__cspViolations.push(report);
  if (window.__portalCspViolation) { window.__portalCspViolation(report); }
});
"""

AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


# The innermost elements that stick out on the right: what to fix when a page scrolls sideways.
WIDER_THAN_VIEWPORT = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter(
    (el) => el.getBoundingClientRect().right > limit + 1 && el.getClientRects().length);
  return wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + [...el.classList].join(".") : "")
      + " (" + Math.round(el.getBoundingClientRect().right) + "px)");
}"""


def _required():
    """In CI (CI=true) and under `make test-browser` a browser test may not skip."""
    return any(
        os.environ.get(name, "").lower() in {"1", "true", "yes"}
        for name in ("CI", "BROWSER_TESTS_REQUIRED")
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A hook of this conftest: it sees only the tests under tests/browser.
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _required() and item.get_closest_marker("browser"):
        report.outcome = "failed"
        report.longrepr = f"a browser test skipped where it must run (CI=true): {report.longrepr}"


def _missing_tools():
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (Debian package chromium)")
    if not AXE_JS.exists() or not VNU_JAR.exists():
        missing.append("node_modules with axe-core and vnu-jar (npm ci)")
    if shutil.which("java") is None:
        missing.append("java (Java 17 runs the Nu HTML checker)")
    return missing


@pytest.fixture(scope="session")
def browser_tools():
    """Skip (or, with CI=true, fail) when Chromium, node_modules or Java is missing."""
    missing = _missing_tools()
    if missing:
        message = f"browser tests need {', '.join(missing)}; {HOW_TO_RUN}"
        if _required():
            pytest.fail(f"must run here (CI=true) but {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _live_server_without_media(browser_tools, request):
    """Start live_server with a MEDIA_URL on another host.

    The settings have MEDIA_URL = None (uploads are only served through views that check
    access), and Django's live server thread wraps its handler in a media handler that cannot
    parse None. A URL with a host makes that handler serve nothing, as in production.
    """
    from django.test import override_settings

    with override_settings(MEDIA_URL="http://media.invalid/"):
        request.getfixturevalue("live_server")


@pytest.fixture(scope="session")
def html_pages(browser_tools):
    """The pages saved by ``Visitor.check``; at the end of the session the Nu checker runs
    once over all of them (one JVM start instead of one per page) and any error fails."""
    shutil.rmtree(HTML_DIR, ignore_errors=True)
    HTML_DIR.mkdir(parents=True)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    yield saved
    if not saved:
        return
    errors = validate_html(saved)
    if errors:
        pytest.fail(
            "The Nu HTML checker found errors in the rendered pages:\n" + "\n".join(errors),
            pytrace=False,
        )


def validate_html(paths):
    """Run vnu once over ``paths``; return its errors as readable lines."""
    result = subprocess.run(  # noqa: S603 (fixed command, our own files)
        ["java", "-Xss1024k", "-jar", str(VNU_JAR), "--format", "json", *map(str, paths)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        return [f"vnu did not answer in JSON (exit {result.returncode}): {result.stderr[:2000]}"]
    lines = []
    for message in messages:
        if message.get("type") not in {"error", "non-document-error"}:
            continue
        where = Path(message.get("url", "")).name
        extract = (message.get("extract") or "").strip().replace("\n", " ")
        lines.append(
            f"{where}:{message.get('lastLine', '?')}: {message['message']}  [{extract[:160]}]"
        )
    return lines


@pytest.fixture(scope="module")
def browser(browser_tools):
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop running in this thread while it is started,
    and Django refuses ORM calls under a running loop; the tests' own setup code is synchronous,
    so DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly as long as Playwright runs.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Visitor:
    """One person in one browser context (phone or desktop), with the page guard."""

    def __init__(self, browser, live_server, html_pages, viewport, *, locale="zh-CN", **extra):
        options = {**(PHONE if viewport == "phone" else DESKTOP), **extra}
        self.viewport = viewport
        self.base_url = live_server.url
        self.html_pages = html_pages
        self.problems: list[str] = []
        self.allowed: list[str] = []
        self.context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            timezone_id="Asia/Shanghai",
            **options,
        )
        self.context.set_default_timeout(20_000)  # shared, loaded machines
        self.context.add_init_script(CSP_LISTENER)
        self.context.expose_function("__portalCspViolation", self._on_csp_violation)
        self.page = self.context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    # --- the guard ---------------------------------------------------------------------------

    def _on_console(self, message):
        if message.type != "error":
            return
        text = message.text
        if any(allowed in text for allowed in self.allowed):
            return
        self.problems.append(f"console error on {self.page.url}: {text}")

    def _on_csp_violation(self, report):
        self.problems.append(f"CSP violation on {self.page.url}: {report}")

    def expect_status(self, status):
        """The next page is meant to answer ``status`` (Chromium logs it as a console error)."""
        self.allowed.append(f"status of {status}")

    def assert_clean(self):
        problems, self.problems = self.problems, []
        assert not problems, "\n".join(problems)

    # --- navigation ----------------------------------------------------------------------------

    def goto(self, url_or_name, *args, expect=200):
        path = url_or_name if url_or_name.startswith("/") else reverse(url_or_name, args=args)
        if expect != 200:
            self.expect_status(expect)
        response = self.page.goto(path)
        assert response is not None
        assert response.status == expect, f"{path} answered {response.status}"
        return response

    def login(self, user, password=PASSWORD):
        self.goto("accounts:login")
        self.page.get_by_label(_label(self.page, "id_username")).fill(user.username)
        self.page.locator("#id_password").fill(password)
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").click()
        assert self.page.url.endswith(reverse("accounts:home")), self.page.url

    # --- checks --------------------------------------------------------------------------------

    def check(self, name):
        """axe (no serious/critical WCAG 2.1 AA violation), HTML saved for vnu, screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        violations = page.evaluate(AXE_RUN, AXE_TAGS) if _inject_axe(page) else []
        failing = [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]
        stem = f"{name}-{self.viewport}"
        html_path = HTML_DIR / f"{stem}.html"
        html_path.write_text(page.content(), encoding="utf-8")
        self.html_pages.append(html_path)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{stem}.png"), full_page=True)
        csp = page.evaluate("window.__cspViolations || []")
        assert not csp, f"CSP violations on {name}: {csp}"
        assert not failing, f"axe on {name} ({self.viewport}):\n" + _describe(failing)
        self.assert_clean()

    def assert_no_horizontal_overflow(self):
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide = self.page.evaluate(WIDER_THAN_VIEWPORT)
            pytest.fail(
                f"the page scrolls sideways by {overflow}px on {self.page.url}; too wide: {wide}",
                pytrace=False,
            )

    def close(self):
        self.context.close()


def _label(page, field_id):
    """The text of the <label> of ``field_id``: tests find fields the way users do."""
    return page.locator(f"label[for={field_id}]").inner_text().rstrip(" *")


def _inject_axe(page):
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (unlike
    # add_script_tag, whose inline <script> script-src 'self' would refuse).
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0;")
    return True


def _describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['summary']}" for node in violation["nodes"][:5])
    return "\n".join(lines)


@pytest.fixture
def visitor_factory(browser, live_server, html_pages, transactional_db):
    visitors = []

    def make(viewport, **kwargs):
        visitor = Visitor(browser, live_server, html_pages, viewport, **kwargs)
        visitors.append(visitor)
        return visitor

    yield make
    try:
        for visitor in visitors:
            visitor.assert_clean()
    finally:
        for visitor in visitors:
            visitor.close()


@pytest.fixture
def phone(visitor_factory):
    """A resident's phone: 390×844, touch."""
    return visitor_factory("phone")


@pytest.fixture
def desktop(visitor_factory):
    """A staff desktop: 1366×900."""
    return visitor_factory("desktop")


# --- A small district with real-looking names, built through factories and services ------------


@pytest.fixture
def world(transactional_db):
    """One street, its liaison station, two topics with their units, and one account per role.

    Function-scoped: live_server tests run in transactions that are flushed after each test.
    """
    from types import SimpleNamespace

    from tests.accounts.factories import (
        DelegateUserFactory,
        OfficeUserFactory,
        StationStaffUserFactory,
        UnitStaffUserFactory,
    )
    from tests.delegates.factories import DelegateFactory, MandateFactory
    from tests.stations.factories import RegionFactory, StationFactory, StreetFactory
    from tests.suggestions.factories import CategoryFactory, HandlingUnitFactory

    district = RegionFactory(name="示范区")
    street = StreetFactory(name="东南街道", parent=district)
    station = StationFactory(
        name="东南街道人大代表联络站",
        region=street,
        address="东南街道新民路18号",
        opening_hours="周一至周五 9:00-17:00",
    )
    township = HandlingUnitFactory(name="东南街道办事处", contact_name="李科长")
    transport = HandlingUnitFactory(name="示范区交通运输局", level="county", contact_name="赵科长")
    roads = CategoryFactory(name="道路交通", description="路灯、道路、停车", default_unit=transport)
    hygiene = CategoryFactory(
        name="环境卫生", description="垃圾、污水、绿化", default_unit=township
    )
    delegate_user = DelegateUserFactory(username="wangjianhua", full_name="王建华")
    delegate = DelegateFactory(name="王建华", name_pinyin="wangjianhua", user=delegate_user)
    delegate.stations.add(station)
    MandateFactory(delegate=delegate)
    staff_user = StationStaffUserFactory(username="liuli", full_name="刘丽")
    station.staff.add(staff_user)
    unit_user = UnitStaffUserFactory(username="zhaogang", full_name="赵刚")
    transport.members.add(unit_user)
    township.members.add(unit_user)
    office_user = OfficeUserFactory(username="chenming", full_name="陈明")
    return SimpleNamespace(
        district=district,
        street=street,
        station=station,
        units=SimpleNamespace(township=township, transport=transport),
        categories=SimpleNamespace(roads=roads, hygiene=hygiene),
        delegate=delegate,
        delegate_user=delegate_user,
        staff_user=staff_user,
        unit_user=unit_user,
        office_user=office_user,
    )
