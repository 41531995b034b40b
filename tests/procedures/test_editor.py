"""The editor: saving asks what submitting asks, the live preview is the controlled
copy's rendering for who may edit, and the diff is shown on the rendered document."""

import re

import pytest

from procedures.diff import rendered_diff
from procedures.markdown import render
from tests.procedures.conftest import SALES_BODY, effective_procedure, user


@pytest.fixture
def second_revision(app, people):
    """SA-PR-001 in force, and its revision 2 started (a draft without a change summary)."""
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = effective_procedure()
        services.new_draft(user("qo2"), procedure)
        commit()
    return "SA-PR-001"


def _draft(app):
    from procedures import services

    with app.app_context():
        revision = services.revision_by_number(services.procedure_by_code("SA-PR-001"), 2)
        return {"body": revision.body, "summary": revision.change_summary, "row_version": revision.row_version}


def test_saving_revision_2_without_a_change_summary_is_refused_on_the_form_keeping_what_was_typed(
    app, client_as, second_revision, csrf_token
):
    client = client_as("qo2")
    before = _draft(app)
    response = client.post(
        "/procedures/SA-PR-001/revisions/2/edit",
        data={
            "csrf_token": csrf_token(client),
            "title": "Showroom reception",
            "change_summary": "  ",
            "body": "Typed new text that must not be lost.",
            "row_version": before["row_version"],
            "action": "save",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<p class="field-error" id="change_summary-error-1">([^<]*)</p>', page)
    assert error and error.group(1) == "Say what changed and why: revision 2 needs a change summary."
    assert "Typed new text that must not be lost." in page
    assert _draft(app) == before, "nothing was saved"


def test_saving_revision_1_needs_no_change_summary_and_revision_2_saves_with_one(
    app, client_as, second_revision, csrf_token
):
    client = client_as("qo2")
    response = client.post(
        "/procedures/SA-PR-001/revisions/2/edit",
        data={
            "csrf_token": csrf_token(client),
            "title": "Showroom reception",
            "change_summary": "Greet within one minute",
            "body": SALES_BODY.replace("two minutes", "one minute"),
            "row_version": _draft(app)["row_version"],
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert _draft(app)["summary"] == "Greet within one minute"


def test_the_api_refuses_saving_revision_2_without_a_change_summary_naming_the_field(app, second_revision, api_as):
    before = _draft(app)
    response = api_as("qo2").patch(
        "/api/v1/procedures/SA-PR-001/revisions/2",
        json={"body": "Changed over the API.", "row_version": before["row_version"]},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["change_summary"]
    assert _draft(app) == before


def test_the_editor_page_loads_the_vendored_editor_without_inline_script_or_style(client_as, second_revision):
    page = client_as("qo2").get("/procedures/SA-PR-001/revisions/2/edit").get_data(as_text=True)
    assert '<script src="/procedures/static/vendor/easymde/easymde.min.js" defer></script>' in page
    assert 'data-preview-url="/procedures/SA-PR-001/revisions/2/preview"' in page
    assert "<style" not in page and " style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "no inline script"
    # Nothing is fetched from another host (a CDN): every script and style is the product's own.
    assert not re.search(r"""<(script|link)[^>]*\b(src|href)=["'](https?:)?//""", page)


def test_the_toolbar_speaks_the_readers_language(app, client_as, second_revision):
    from core.accounts.services import user_by_login
    from core.database import commit

    with app.app_context():
        user_by_login("qo2").locale = "zh_CN"
        commit()
    page = client_as("qo2").get("/procedures/SA-PR-001/revisions/2/edit").get_data(as_text=True)
    labels = re.search(r'data-editor-labels="([^"]*)"', page).group(1)
    assert "粗体" in labels and "插入表格" in labels


def test_the_preview_is_the_controlled_copys_rendering(client_as, second_revision, csrf_token):
    client = client_as("qo2")
    body = (
        "# Steps\n\n| Step | Time |\n|---|---|\n| Greet | 1 min |\n\n"
        "<script>alert(1)</script>\n\n[x](javascript:alert(2))\n"
    )
    response = client.post(
        "/procedures/SA-PR-001/revisions/2/preview", json={"body": body}, headers={"X-CSRFToken": csrf_token(client)}
    )
    assert response.status_code == 200
    assert response.json["html"] == str(render(body))
    assert "<table>" in response.json["html"] and "<script" not in response.json["html"]
    assert "javascript:" not in response.json["html"]
    new = client.post("/procedures/preview", json={"body": "**bold**"}, headers={"X-CSRFToken": csrf_token(client)})
    assert new.json["html"] == "<p><strong>bold</strong></p>"


def test_the_preview_needs_the_csrf_token(client_as, second_revision):
    response = client_as("qo2").post("/procedures/SA-PR-001/revisions/2/preview", json={"body": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(("who", "status"), [("staff", 404), ("auditor", 403), ("servicehead", 404)])
def test_who_may_not_edit_the_draft_gets_no_preview(client_as, second_revision, csrf_token, who, status):
    client = client_as(who)
    response = client.post(
        "/procedures/SA-PR-001/revisions/2/preview", json={"body": "x"}, headers={"X-CSRFToken": csrf_token(client)}
    )
    assert response.status_code == status


def test_a_revision_in_force_has_no_preview(client_as, second_revision, csrf_token):
    client = client_as("qo2")
    response = client.post(
        "/procedures/SA-PR-001/revisions/1/preview", json={"body": "x"}, headers={"X-CSRFToken": csrf_token(client)}
    )
    assert response.status_code == 409


# The diff on the rendered document ------------------------------------------------

OLD = "# Reception\n\nGreet every visitor within two minutes.\n\nOffer a drink.\n\n## Records\n\nKeep the log.\n"
NEW = "# Reception\n\nGreet every visitor within one minute.\n\nOffer a drink.\n\n## Records\n\nKeep the log daily.\n"


def test_the_rendered_diff_marks_inserted_and_deleted_words_in_their_paragraph():
    blocks = rendered_diff(render(OLD), render(NEW))
    assert [b.change for b in blocks] == ["same", "changed", "same", "same", "changed"]
    assert (
        str(blocks[1].html)
        == "<p>Greet every visitor within <del>two</del><ins>one</ins> <del>minutes</del><ins>minute</ins>.</p>"
    )
    assert str(blocks[4].html) == "<p>Keep the log<ins> daily</ins>.</p>"


def test_the_rendered_diff_shows_added_and_removed_paragraphs_whole():
    blocks = rendered_diff(render("First.\n\nSecond.\n"), render("First.\n\nNew one.\n\nSecond.\n"))
    assert [(b.change, str(b.html)) for b in blocks] == [
        ("same", "<p>First.</p>"),
        ("inserted", "<p><ins>New one.</ins></p>"),
        ("same", "<p>Second.</p>"),
    ]
    removed = rendered_diff(render("First.\n\nGone.\n"), render("First.\n"))
    assert [(b.change, str(b.html)) for b in removed] == [
        ("same", "<p>First.</p>"),
        ("deleted", "<p><del>Gone.</del></p>"),
    ]


def test_the_rendered_diff_escapes_html_in_the_text():
    old = "Call the customer.\n"
    new = "Call the customer <img src=x onerror=alert(1)> `<script>alert(2)</script>` &lt;b&gt;.\n"
    html = "".join(str(b.html) for b in rendered_diff(render(old), render(new)))
    assert "<script" not in html and "onerror" not in html and "src=" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html and "&lt;b&gt;" in html


def test_the_rendered_diff_compares_chinese_character_by_character():
    blocks = rendered_diff(render("客户到店后两分钟内接待。\n"), render("客户到店后一分钟内接待。\n"))
    assert str(blocks[0].html) == "<p>客户到店后<del>两</del><ins>一</ins>分钟内接待。</p>"


def test_the_diff_page_shows_the_rendered_document_with_the_source_one_click_away(app, client_as, people, csrf_token):
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = effective_procedure(body=OLD)
        draft = services.new_draft(user("qo2"), procedure, body=NEW, change_summary="One minute")
        commit()
        assert draft.number == 2
    client = client_as("qo")
    page = client.get("/procedures/SA-PR-001/diff?from=1&to=2").get_data(as_text=True)
    assert '<div class="diff-block diff-changed">' in page
    assert "<del>two</del><ins>one</ins>" in page
    source_tab = re.search(r'<a href="([^"]*)">Markdown source</a>', page)
    assert source_tab, "the source diff is one click away"
    assert source_tab.group(1) == "/procedures/SA-PR-001/diff?view=source&amp;mode=inline&amp;from=1&amp;to=2"
    source = client.get("/procedures/SA-PR-001/diff?from=1&to=2&view=source").get_data(as_text=True)
    assert '<pre class="diff">' in source and "<del>two</del><ins>one</ins>" in source


def test_the_diff_api_keeps_its_source_diff_and_adds_the_rendered_one(app, people, api_as):
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = effective_procedure(body=OLD)
        services.new_draft(user("qo2"), procedure, body=NEW, change_summary="One minute")
        commit()
    answer = api_as("qo").get("/api/v1/procedures/SA-PR-001/diff?from=1&to=2").json
    assert answer["inserted_words"] == 3 and answer["deleted_words"] == 2
    assert "<del>two</del><ins>one</ins>" in answer["html"]
    assert (
        '<div class="diff-block diff-changed"><p>Greet every visitor within <del>two</del><ins>one</ins>'
        in (answer["rendered_html"])
    )


def test_comparing_a_revision_with_itself_says_the_text_is_the_same(app, client_as, people):
    with app.app_context():
        effective_procedure(body=OLD)
    page = client_as("qo").get("/procedures/SA-PR-001/diff?from=1&to=1").get_data(as_text=True)
    assert "The two revisions have the same text." in page
    assert "<ins>" not in page.split('class="document rendered-diff"')[1]


def test_without_the_script_the_preview_button_renders_on_the_server_and_saves_nothing(
    app, client_as, second_revision, csrf_token
):
    client = client_as("qo2")
    before = _draft(app)
    response = client.post(
        "/procedures/SA-PR-001/revisions/2/edit",
        data={
            "csrf_token": csrf_token(client),
            "title": "Showroom reception",
            "change_summary": "",
            "body": "# Reception\n\n**Greet** at once.\n",
            "row_version": before["row_version"],
            "action": "preview",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        '<article class="document"><h1 id="reception">Reception</h1>\n<p><strong>Greet</strong> at once.</p></article>'
        in (page)
    )
    assert _draft(app) == before
