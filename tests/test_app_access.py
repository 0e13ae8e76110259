"""Issue 10 in the app (AppTest): who sees what, for every role, page and download, with and
without sign-in configured ([auth] in secrets).

The store is the small demo (two regions: Kent, Surrey & Sussex and East of England) with the
published annexes. The regional leader and the inspector are of East of England only. Downloads
are made as the browser would ask for them (the deferred callables the page registers), so that
what is checked is the file a person would get, and the audit row it leaves.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from core.access import NO_ACCESS_MESSAGE, OPEN_LOCAL_BANNER
from core.formatting import markdown_text
from core.framework import national_regions
from core.ratings import RATING_LABELS
from core.store import audit
from core.store.db import get_engine
from tests.app_helpers import AUTH_SECRETS, XLSX, build_demo_store, ensure_person, signed_in, valid_workbook
from tests.test_app_pages import PAGES, assert_ran, open_app, rerun

MINE, OTHER = "East of England", "Kent, Surrey & Sussex"
ROLES = {"national": ("national@example.org", []), "regional": ("regional@example.org", [MINE]),
         "inspector": ("inspector@example.org", [MINE]), "admin": ("admin@example.org", [])}
DATA_PAGES = [p for p in PAGES if not p.endswith("admin.py")]
DOWNLOAD_PAGES = ["pages/overview.py", "pages/region.py", "pages/scorecard.py", "pages/evidence.py", "pages/compare.py",
                  "pages/whatif.py", "pages/upload.py"]
# What a page is opened with for the download matrix: the What-if page with stricter thresholds, so that its table of
# changes has rows to download (under the framework's own rules nothing changes).
DOWNLOAD_QUERIES = {"pages/whatif.py": {"t": "95,90,85"}}
# Files a page must offer (besides what the default page offered before switching to it); the CSVs among them
# with rows of the reader's region.
PAGE_DOWNLOADS = {"pages/whatif.py": ["whatif-changes.csv", "whatif-changes.xlsx", "whatif-robustness.csv",
                                      "whatif-robustness.xlsx"],
                  "pages/upload.py": ["upload-history.csv", "upload-history.xlsx"]}
PAGE_FOLDS = {"pages/whatif.py": "whatif-robust-all-lowest"}  # the toggle that shows a page's table drawn only when asked for


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo_store(tmp_path_factory.mktemp("access-demo"))
    for role, (email, regions) in ROLES.items():
        ensure_person(store.url, email, role, regions)
    return store


@pytest.fixture
def downloads(monkeypatch):
    """The files the page offers, by file name: each made (and audited) when called, as on a click."""
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return made


def everything(at: AppTest) -> str:
    """All that the run put on screen (main area and sidebar), as text: every element's message and
    every table's cells."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts)


def as_role(demo, monkeypatch, role: str, page: str | None = None, query: dict | None = None) -> AppTest:
    return open_app(demo.url, monkeypatch, page, query, user=signed_in(ROLES[role][0]), secrets=AUTH_SECRETS)


def audit_rows(demo, action: str):
    return audit.events(get_engine(demo.url), action=action)


# -- with sign-in configured: nobody sees anything before signing in ---------------------------------------

@pytest.mark.parametrize("page", [None, *DATA_PAGES])  # the admin page is not even registered for them
def test_an_anonymous_visitor_sees_the_sign_in_page_only_on_every_page_and_deep_link(demo, monkeypatch, page):
    at = open_app(demo.url, monkeypatch, page, user={"is_logged_in": False}, secrets=AUTH_SECRETS)
    # (AppTest runs a switched-to page on its own, without app.py: its title may come first, then the page
    # stops at the same gate, which is all a browser gets through app.py: see test_browser_auth.py)
    assert at.title[-1].value == "Probation inspection ratings"
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.metric and not at.selectbox and not at.download_button
    shown = everything(at)
    for region in national_regions():
        assert region.name not in shown
    for label in RATING_LABELS:
        assert label not in shown
    assert OPEN_LOCAL_BANNER not in shown


@pytest.mark.parametrize("page", [None, *DATA_PAGES])
def test_a_signed_in_person_who_is_not_a_user_sees_no_access_yet_and_nothing_else(demo, monkeypatch, page):
    at = open_app(demo.url, monkeypatch, page, user=signed_in("stranger@example.org"), secrets=AUTH_SECRETS)
    assert [e.value for e in at.error] == [NO_ACCESS_MESSAGE]
    assert not at.dataframe and not at.metric and not at.selectbox and not at.download_button
    shown = everything(at)
    assert not any(region.name in shown for region in national_regions())
    if page is None:  # app.py ran (a switched-to page runs alone in AppTest, without app.py's sidebar)
        assert [b.label for b in at.sidebar.button] == ["Sign out"]


def test_the_refusal_is_audited_once_a_session(demo, monkeypatch):
    before = len(audit_rows(demo, audit.ACCESS_REFUSED))
    at = open_app(demo.url, monkeypatch, None, user=signed_in("once@example.org"), secrets=AUTH_SECRETS)
    rerun(at)
    refused = audit_rows(demo, audit.ACCESS_REFUSED)
    assert len(refused) == before + 1
    assert (refused.iloc[-1]["user"], refused.iloc[-1]["object"]) == ("once@example.org", "sign-in")


def test_an_unverified_email_is_no_identity_even_for_a_known_user(demo, monkeypatch):
    email = ROLES["national"][0]
    at = open_app(demo.url, monkeypatch, None, user=signed_in(email, verified=False), secrets=AUTH_SECRETS)
    assert [e.value for e in at.error] == [NO_ACCESS_MESSAGE]
    assert not at.dataframe
    # nor does a display name stand in for an e-mail
    at = open_app(demo.url, monkeypatch, None, user={"is_logged_in": True, "name": email, "email_verified": True},
                  secrets=AUTH_SECRETS)
    assert [e.value for e in at.error] == [NO_ACCESS_MESSAGE]


def test_emails_match_ignoring_case_and_unicode_form(demo, monkeypatch):
    at = open_app(demo.url, monkeypatch, None, user=signed_in("ＲEGIONAL@Example.ORG"), secrets=AUTH_SECRETS)
    assert not at.error and at.dataframe
    # the caption is markdown: the address is shown escaped (core.formatting.markdown_text), never as a live mailto link
    assert any(markdown_text("regional@example.org") in c.value for c in at.sidebar.caption)


def test_configurable_claim_names(demo, monkeypatch):
    secrets = {**AUTH_SECRETS, "access": {"email_claim": "upn", "email_verified_claim": "xms_edov"}}
    user = {"is_logged_in": True, "upn": ROLES["national"][0], "xms_edov": True, "email": "someone.else@example.org"}
    at = open_app(demo.url, monkeypatch, None, user=user, secrets=secrets)
    assert not at.error and at.dataframe
    at = open_app(demo.url, monkeypatch, None, user={**user, "xms_edov": False}, secrets=secrets)
    assert [e.value for e in at.error] == [NO_ACCESS_MESSAGE]


def test_the_first_admin_can_come_from_secrets(demo, monkeypatch):
    secrets = {**AUTH_SECRETS, "access": {"admins": ["First.Admin@example.org"]}}
    at = open_app(demo.url, monkeypatch, "pages/admin.py", user=signed_in("first.admin@example.org"), secrets=secrets)
    assert [t.value for t in at.title] == ["Admin"]
    assert at.dataframe  # the people table


def test_sign_out_from_the_sidebar_returns_to_the_sign_in_page(demo, monkeypatch):
    at = as_role(demo, monkeypatch, "national")
    assert at.dataframe
    at.sidebar.button(key="sign-out").click()
    rerun(at)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe


# -- with sign-in configured: every role on every page, and every download --------------------------------

@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("page", DATA_PAGES)
def test_every_role_on_every_page_sees_only_their_regions(demo, monkeypatch, role, page):
    at = as_role(demo, monkeypatch, role, page)
    assert at.title and not at.error, [e.value for e in at.error]
    shown = everything(at)
    if role in ("regional", "inspector"):
        assert OTHER not in shown, f"{role} sees {OTHER} on {page}"
    for frame in (df.value for df in at.dataframe):
        if "region" in frame.columns:
            assert set(frame["region"].dropna()) <= ({MINE} if role in ("regional", "inspector") else {MINE, OTHER} |
                                                       {r.name for r in national_regions()})


@pytest.mark.parametrize("role", list(ROLES))
def test_the_sidebar_says_who_is_signed_in_with_which_role_and_regions(demo, monkeypatch, role):
    at = as_role(demo, monkeypatch, role)
    email, regions = ROLES[role]
    (caption,) = [c.value for c in at.sidebar.caption if "Signed in as" in c.value]
    assert markdown_text(email) in caption and role in caption and (", ".join(regions) or "every region") in caption
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("page", DOWNLOAD_PAGES)
def test_every_download_holds_only_the_readers_regions_and_is_audited(demo, monkeypatch, downloads, role, page):
    at = as_role(demo, monkeypatch, role, page, DOWNLOAD_QUERIES.get(page))
    if page in PAGE_FOLDS:
        at.toggle(key=PAGE_FOLDS[page]).set_value(True)
        rerun(at)
    csvs = {name: make for name, make in downloads.items() if name.endswith(".csv")}
    assert csvs, f"{page} offers no CSV download"
    assert set(PAGE_DOWNLOADS.get(page, [])) <= set(downloads), f"{page} offers only {sorted(downloads)}"
    before = len(audit_rows(demo, audit.EXPORT_DOWNLOADED))
    readable = {MINE} if role in ("regional", "inspector") else {r.name for r in national_regions()}
    for name, make in csvs.items():
        text = make().decode("utf-8-sig")  # the CSVs open with a byte-order mark, for Excel
        if role in ("regional", "inspector"):
            assert OTHER not in text, f"{name} holds {OTHER} for a {role}"
        rows = list(csv.DictReader(io.StringIO(text)))
        column = next((c for c in (rows[0] if rows else {}) if c.lower() == "region"), None)
        if column:
            assert {r[column] for r in rows if r[column]} <= readable, name
        if name in PAGE_DOWNLOADS.get(page, []):
            assert column and MINE in {r[column] for r in rows}, f"{name} has no rows of {MINE} for a {role}"
    for name, make in downloads.items():
        if name.endswith(".xlsx"):
            workbook = make()
            assert workbook[:2] == b"PK"
            if role in ("regional", "inspector"):
                cells = [str(v) for sheet in load_workbook(io.BytesIO(workbook), read_only=True)
                         for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
                assert cells and not any(OTHER in c for c in cells), f"{name} holds {OTHER} for a {role}"
    exports = audit_rows(demo, audit.EXPORT_DOWNLOADED).iloc[before:]
    assert len(exports) == len(downloads)
    assert set(exports["user"]) == {ROLES[role][0]}
    expected_scope = MINE if role in ("regional", "inspector") else "every region"
    assert {d["scope"] for d in exports["details"]} == {expected_scope}


@pytest.mark.parametrize("role", ["national", "regional", "inspector"])
def test_only_an_admin_has_the_admin_page(demo, monkeypatch, role):
    at = as_role(demo, monkeypatch, role)
    try:
        at.switch_page("pages/admin.py").run()
    except ValueError:  # not in their navigation: there is no such page for them
        return
    assert_ran(at)
    assert [e.value for e in at.error] == ["Only an administrator may see this page."]
    assert not at.dataframe and "People and roles" not in everything(at)


def test_an_admin_manages_people_on_the_admin_page_and_filters_the_audit_trail(demo, monkeypatch, downloads):
    at = as_role(demo, monkeypatch, "admin", "pages/admin.py")
    assert set(at.dataframe[0].value["email"]) >= {email for email, _ in ROLES.values()}
    at.text_input(key="admin-add-email").set_value("New.Lead@example.org")
    at.selectbox(key="admin-add-role").set_value("regional")
    at.multiselect(key="admin-add-regions").set_value([MINE])
    (submit,) = [b for b in at.button if b.label == "Add user"]
    submit.click()
    rerun(at)
    assert any(markdown_text("Added New.Lead@example.org") in s.value for s in at.success), [e.value for e in at.error]
    people = at.dataframe[0].value.set_index("email")
    assert people.loc["new.lead@example.org", "regions"] == MINE
    at.multiselect(key="admin-audit-actions").set_value([audit.USER_ADDED])
    rerun(at)
    trail = at.dataframe[-1].value
    assert set(trail["action"]) == {audit.USER_ADDED} and "new.lead@example.org" in set(trail["object"])
    at.button(key="admin-load-published").click()
    rerun(at)
    assert any(s.value.startswith(markdown_text("published ratings:")) for s in at.success)
    assert audit_rows(demo, audit.PUBLISHED_LOADED)["user"].iloc[-1] == ROLES["admin"][0]
    name = [n for n in downloads if n.startswith("audit-")][-1]  # the latest run's
    text = downloads[name]().decode("utf-8-sig")  # the page's CSV carries a byte-order mark, for Excel
    assert text.splitlines()[0].startswith("at,user,action,object,outcome")


def test_the_admin_audit_trail_filters_by_user_and_since(demo, monkeypatch):
    at = as_role(demo, monkeypatch, "admin", "pages/admin.py")
    everyone = audit.events(get_engine(demo.url))
    assert everyone["user"].nunique() > 1, "the demo store's audit trail should name more than one person"
    who = everyone["user"].iloc[0]
    at.text_input(key="admin-audit-user").set_value(f"  {who.upper()}  ")  # typed as people type it
    rerun(at)
    trail = at.dataframe[-1].value
    assert len(trail) == len(everyone[everyone["user"] == who]) > 0 and set(trail["user"]) == {who}
    at.text_input(key="admin-audit-user").set_value("")
    at.date_input(key="admin-audit-since").set_value(dt.date.today() + dt.timedelta(days=1))
    rerun(at)
    assert at.dataframe[-1].value.empty and any(c.value == "0 event(s)" for c in at.caption)


def test_the_upload_form_is_for_inspectors(demo, monkeypatch):
    at = as_role(demo, monkeypatch, "regional", "pages/upload.py")
    assert at.file_uploader(key="upload-file").disabled
    assert any("Uploading is for inspectors" in i.value for i in at.info)
    at = as_role(demo, monkeypatch, "inspector", "pages/upload.py")
    assert not at.info


def test_only_regional_leaders_and_admins_save_scenarios(demo, monkeypatch):
    for role, allowed in (("national", False), ("inspector", False), ("regional", True), ("admin", True)):
        at = as_role(demo, monkeypatch, role, "pages/whatif.py")
        assert at.text_input(key="whatif-save-name").disabled is (not allowed), role


# -- an inspector uploads for their region, is refused for another, withdraws their own ------------------------

def upload_page(url: str, monkeypatch, email: str) -> AppTest:
    return open_app(url, monkeypatch, "pages/upload.py", user=signed_in(email), secrets=AUTH_SECRETS)


def upload_as(url: str, monkeypatch, email: str) -> AppTest:
    """``email`` uploads the valid Essex North workbook (East of England) with the Upload page's form."""
    at = upload_page(url, monkeypatch, email)
    at.file_uploader(key="upload-file").set_value(("essex-north.xlsx", valid_workbook(), XLSX))
    rerun(at)
    at.button(key="upload-submit").click()
    return rerun(at)


def withdraw_with_the_button(at: AppTest, reason: str) -> AppTest:
    at.text_input(key="withdraw-reason").set_value(reason)
    rerun(at)
    at.button(key="withdraw-submit").click()
    return rerun(at)


def test_an_inspector_uploads_for_their_region_is_refused_for_another_and_withdraws(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'uploads.db'}"
    ensure_person(url, "east@example.org", "inspector", [MINE])
    ensure_person(url, "wales@example.org", "inspector", ["Wales"])
    ensure_person(url, "boss@example.org", "admin")

    at = upload_as(url, monkeypatch, "wales@example.org")
    assert not at.success and "East of England is not one of the regions you may upload for" in everything(at)
    at = upload_as(url, monkeypatch, "east@example.org")
    assert at.success
    history = at.dataframe[-1].value
    assert list(history["Uploaded by"]) == ["east@example.org"]

    # the uploader sees the withdraw control (another inspector and an admin: the test below)
    withdraw_with_the_button(at, "wrong fieldwork dates")
    assert any("the inspection has left the ratings" in s.value for s in at.success)
    history = at.dataframe[-1].value
    assert history["Withdrawn"].str.contains("by east@example.org: wrong fieldwork dates").all()
    assert history["Counts"].tolist() == ["No (withdrawn)"]
    engine = get_engine(url)
    assert [(e["user"], e["action"]) for e in audit.events(engine).to_dict("records")
            if e["action"] != audit.USER_ADDED and e["action"] != audit.SIGN_IN] == [
        ("wales@example.org", audit.ACCESS_REFUSED), ("east@example.org", audit.UPLOAD_ACCEPTED),
        ("east@example.org", audit.UPLOAD_WITHDRAWN)]


def test_an_admin_withdraws_another_persons_upload_and_another_inspector_is_not_offered_the_button(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'uploads.db'}"
    ensure_person(url, "east@example.org", "inspector", [MINE])
    ensure_person(url, "colleague@example.org", "inspector", [MINE])
    ensure_person(url, "boss@example.org", "admin")
    assert upload_as(url, monkeypatch, "east@example.org").success

    colleague = upload_page(url, monkeypatch, "colleague@example.org")
    assert list(colleague.dataframe[-1].value["Uploaded by"]) == ["east@example.org"]  # sees the upload in the history
    assert not [b for b in colleague.button if b.key == "withdraw-submit"]
    assert not [t for t in colleague.text_input if t.key == "withdraw-reason"]
    assert "Withdraw an upload" not in [e.label for e in colleague.expander]

    admin = upload_page(url, monkeypatch, "boss@example.org")
    offered = admin.selectbox(key="withdraw-upload")
    assert len(offered.options) == 1 and offered.options[0].startswith("essex-north.xlsx · Essex North")
    upload_id = offered.value
    withdraw_with_the_button(admin, "sent to the wrong region")
    assert any("the inspection has left the ratings" in s.value for s in admin.success), [e.value for e in admin.error]
    history = admin.dataframe[-1].value
    assert list(history["Uploaded by"]) == ["east@example.org"]
    assert history["Withdrawn"].str.contains("by boss@example.org: sent to the wrong region").all()
    withdrawn = audit.events(get_engine(url), action=audit.UPLOAD_WITHDRAWN)
    assert [(e["user"], e["object"], e["outcome"]) for e in withdrawn.to_dict("records")] == [
        ("boss@example.org", f"upload {upload_id} essex-north.xlsx", audit.OK)]
    assert withdrawn.iloc[0]["details"]["reason"] == "sent to the wrong region"


# -- without [auth]: open local mode --------------------------------------------------------------------------

def test_open_local_mode_says_so_and_shows_every_region(demo, monkeypatch):
    at = open_app(demo.url, monkeypatch)
    assert [w.value for w in at.warning][:1] == [OPEN_LOCAL_BANNER]
    assert "everyone who can reach this server sees every region" in OPEN_LOCAL_BANNER
    assert set(at.dataframe[0].value["Region"]) == {MINE, OTHER}
    assert not at.sidebar.button  # nobody to sign out


@pytest.mark.parametrize("page", PAGES)
def test_open_local_mode_runs_every_page_with_everything(demo, monkeypatch, downloads, page):
    at = open_app(demo.url, monkeypatch, page)
    assert at.title and not at.error
    for name, make in downloads.items():
        lines = make().decode("utf-8").splitlines() if name.endswith(".csv") else []
        if len(lines) > 1 and "region" in lines[0].split(","):
            assert any(MINE in line for line in lines[1:]) or any(OTHER in line for line in lines[1:]), name


def test_scenario_saved_overwritten_and_deleted_are_audited(demo, monkeypatch):
    engine = get_engine(demo.url)
    before = len(audit.events(engine))
    at = as_role(demo, monkeypatch, "regional", "pages/whatif.py")
    for _ in range(2):  # saved, then overwritten
        at.text_input(key="whatif-save-name").set_value("Regional view")
        rerun(at)
        at.button(key="whatif-save").click()
        rerun(at)
        assert not at.error, [e.value for e in at.error]
    at.selectbox(key="whatif-load").set_value("Regional view")
    rerun(at)
    at.button(key="whatif-delete").click()
    rerun(at)
    events = audit.events(engine).iloc[before:]
    events = events[events["action"].str.startswith("scenario-")]
    assert [(e["user"], e["action"], e["object"]) for e in events.to_dict("records")] == [
        (ROLES["regional"][0], audit.SCENARIO_SAVED, "Regional view"),
        (ROLES["regional"][0], audit.SCENARIO_OVERWRITTEN, "Regional view"),
        (ROLES["regional"][0], audit.SCENARIO_DELETED, "Regional view")]
