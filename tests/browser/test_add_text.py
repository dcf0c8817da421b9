"""The "Add a text" page in a real browser: upload a file, review with real clicks (narrow to a sentence, accept,
edit, reject all shown), preview the views with the accepted records, download the reviewed zip — offline, no
console error — and a hostile upload gets its message."""

from __future__ import annotations

import io
import zipfile

import yaml

TEXT = ("== The Hungarian Revolution ==\n"
        "The Hungarian Revolution of 1956 began on 23 October 1956, when students marched in Budapest.\n"
        "In November 1956 Soviet tanks crushed the uprising, and Imre Nagy was later executed in 1958.\n"
        "Stalin had been denounced by Khrushchev in February 1956.\n")


def test_add_text001_file_to_reviewed_download(dash_page, tmp_path):
    page = dash_page.page
    src = tmp_path / "hungary_1956.txt"
    src.write_text(TEXT, encoding="utf-8")
    page.goto(dash_page.base + "/")
    page.click("a.add-text-link")  # the dashboard links to the page
    page.wait_for_selector("#add-upload")
    page.set_input_files("#add-upload input[type=file]", str(src))
    page.wait_for_selector(".add-card", timeout=30_000)
    assert "hungary_1956" in page.inner_text("#add-message")
    # the text is shown with its proposals; a click on a sentence narrows the cards to it
    sentence = page.locator(".add-text a.s", has_text="Khrushchev")
    sentence.click()
    page.wait_for_function("() => document.querySelector('#add-sentence-note').innerText.includes('Khrushchev')")
    page.click("label:has-text('Ties')")
    page.wait_for_selector(".add-card blockquote:has-text('Khrushchev')")
    tie_cards = page.locator(".add-card").count()
    assert tie_cards >= 1
    dash_page.settle()  # a click lands on cards already drawn
    page.click("#add-accept-shown")
    page.wait_for_function(f"() => document.querySelectorAll('.add-card-accepted').length === {tie_cards}")
    # back to all sentences and events: accept the first, correct its type
    page.click("#add-sentence-note a")
    page.click("label:has-text('Events')")
    page.wait_for_function("() => !document.querySelector('#add-sentence-note').innerText.trim()")
    dash_page.settle()  # a click lands on cards already drawn
    first = page.locator(".add-card").first
    first.locator(".add-to-accepted").click()
    page.wait_for_selector(".add-card-accepted")
    dash_page.settle()  # a click lands on cards already drawn
    when = page.locator(".add-card").first.locator(".add-field-when input")
    when.fill("1956-10")
    when.press("Enter")
    page.wait_for_selector(".add-card .add-edited", timeout=10_000)
    assert "accepted" in page.inner_text("#add-legend")
    # preview: the corpus built with the accepted records, drawn by the views
    page.click("#add-preview-button")
    # built by a background job (dashboard.background): the button waits, the page says what the job is doing
    page.wait_for_selector("#add-preview-button[disabled]", timeout=10_000)
    page.wait_for_selector("#add-preview-status:not([hidden]):has-text('Building the corpus')", timeout=30_000)
    page.wait_for_selector("#add-preview-panel:not([hidden])", timeout=60_000)
    page.wait_for_selector("#add-preview-button:not([disabled])", timeout=10_000)
    assert page.locator("#add-preview-status").is_hidden()
    page.wait_for_selector("#add-preview-timeline .main-svg", timeout=30_000)
    page.wait_for_selector("#add-preview-map .main-svg", timeout=30_000)
    assert "corpus built with the accepted records" in page.inner_text("#add-preview-message")
    # download: a zip of the reviewed records
    with page.expect_download() as dl:
        page.click("#add-download-button")
    path = dl.value.path()
    with zipfile.ZipFile(io.BytesIO(open(path, "rb").read())) as z:
        events = yaml.safe_load(z.read("hungary_1956/events.yaml"))
        ties = yaml.safe_load(z.read("hungary_1956/relations.yaml"))
    assert events[0]["status"] == "accepted" and events[0]["when"] == "1956-10"
    assert any(t["status"] == "accepted" and "khrushchev" in (t["source_id"], t["target_id"]) for t in ties)
    # the review survives a reload (the tab's session storage), and nothing left the machine
    page.reload()
    page.wait_for_selector(".add-card-accepted", timeout=30_000)
    assert dash_page.blocked == []
    assert dash_page.console_errors == []


def test_add_text002_a_hostile_upload_gets_a_message(dash_page, tmp_path):
    page = dash_page.page
    bad = tmp_path / "page.txt"
    bad.write_text("<!DOCTYPE html><html><body><p>Stalin</p></body></html>", encoding="utf-8")
    page.goto(dash_page.base + "/add/")
    page.wait_for_selector("#add-upload")
    page.set_input_files("#add-upload input[type=file]", str(bad))
    page.wait_for_function("() => document.querySelector('#add-message').innerText.includes('HTML')")
    assert page.locator(".add-card").count() == 0
    assert dash_page.console_errors == []
