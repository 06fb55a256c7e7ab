"""The page guard itself: a broken page must fail the checks, or the journeys prove nothing."""

import pytest

from tests.browser.conftest import AXE_RUN, AXE_TAGS, validate_html

pytestmark = pytest.mark.browser


def test_axe_reports_an_unlabelled_field_and_poor_contrast(desktop):
    desktop.goto("suggestions:track")
    desktop.check("track")  # clean as served
    desktop.page.evaluate(
        """() => {
        const input = document.createElement("input");
        input.type = "text";
        document.querySelector("main").append(input);
        const faint = document.createElement("p");
        faint.textContent = "看不清的字";
        faint.classList.add("text-white");
        document.querySelector("main").append(faint);
    }"""
    )
    found = {v["id"] for v in desktop.page.evaluate(AXE_RUN, AXE_TAGS)}
    assert {"label", "color-contrast"} <= found


def test_an_inline_script_or_style_is_reported_as_a_csp_violation(desktop):
    desktop.goto("core:home")
    desktop.page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true;";
        document.body.append(script);
        document.body.setAttribute("style", "color: red");
    }"""
    )
    desktop.page.wait_for_function("window.__cspViolations.length >= 2")
    assert not desktop.page.evaluate("window.__ran === true")
    assert any("CSP violation" in problem for problem in desktop.problems)
    desktop.problems.clear()  # seen; the fixture's final check would fail the test otherwise


def test_the_nu_checker_reports_invalid_html(browser_tools, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><html lang="zh-hans"><head><title>x</title></head>'
        '<body><p aria-label="x">a</p><div id="a"></div><div id="a"></div></body></html>',
        encoding="utf-8",
    )
    errors = validate_html([page])
    assert any("aria-label" in error for error in errors)
    assert any("Duplicate ID" in error for error in errors)
