"""A procedure's history reads as sentences under a table of its revisions, not as a field dump."""

import re

from core.database import commit
from core.trail import acting_as
from procedures import services
from tests.procedures.conftest import approve, effective_procedure, user

MORE = "\n## Returns\n\nOffer a drink again when the customer comes back.\n"


def _revision_2():
    """Revision 1 in force; revision 2 written, submitted and approved by two people who did not write it."""
    procedure = effective_procedure()
    with acting_as("qo2"):
        revision = services.new_draft(user("qo2"), procedure)
        commit()
        services.edit_draft(
            user("qo2"),
            revision,
            row_version=revision.row_version,
            body=revision.body + MORE,
            change_summary="Returning customers",
        )
        commit()
        services.submit(user("qo2"), revision, row_version=revision.row_version)
        commit()
    with acting_as("head"):
        approve(revision, "head")
    with acting_as("qo"):
        approve(revision, "qo")
    return procedure


def _text(html: str) -> str:
    """What a reader sees: the page's main content without tags, one space between words."""
    main = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html[html.index("<main") :])
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace(" :", ":")


def test_the_history_is_a_table_of_revisions_and_one_sentence_per_step(app, people, client_as):
    with app.app_context():
        _revision_2()
    page = client_as("qo").get("/procedures/SA-PR-001/history").get_data(as_text=True)
    text = _text(page)

    assert 'class="data revisions"' in page
    # The table: number, state, title, author, summary, effective date and who approved.
    row = text[text.index("Revision 2 Changes") :]
    assert row.startswith("Revision 2 Changes effective Showroom reception Quincy Second Returning customers")
    assert "Hana Head · Approved ·" in row and "Quinn Quality · Approved ·" in row
    assert "Revision 1 superseded Showroom reception Quincy Second —" in text

    for sentence in (
        "Quincy Second created revision 2 of SA-PR-001",
        "Quincy Second changed revision 2 of SA-PR-001",
        "Quincy Second submitted revision 2 of SA-PR-001 for approval",
        "Hana Head approved revision 2 of SA-PR-001",
        "Quinn Quality approved revision 2 of SA-PR-001",
        "Revision 2 of SA-PR-001 has all its approvals",
        "Revision 2 of SA-PR-001 became effective",
        "Revision 1 of SA-PR-001 was superseded",
    ):
        assert sentence in text, sentence
    assert "meaning: Approved" in text
    # Field changes in the form's words; the body summarised, never dumped.
    assert "Change summary: — → Returning customers" in text
    assert f"Text: text changed (+{len(''.join(MORE.splitlines()))} / −0 characters)" in text
    assert "Offer a drink again" not in text
    assert '<a href="/procedures/SA-PR-001/diff?from=1&amp;to=2">text changed' in page
    for raw in ("body_sha256", "change_summary", "procedure_revision", "in_review", "{", "author_id"):
        assert raw not in text, raw


def test_the_page_of_a_procedure_lists_its_revisions_with_their_approvals(app, people, client_as):
    with app.app_context():
        _revision_2()
    text = _text(client_as("staff").get("/procedures/SA-PR-001").get_data(as_text=True))
    revisions = text[text.index("Revisions Revision State Title Author Change summary Effective date Approvals") :]
    assert "Revision 2 Changes effective Showroom reception Quincy Second Returning customers" in revisions
    assert "Revision 1 superseded" in revisions


def test_the_history_reads_in_chinese(app, people, client_as):
    with app.app_context():
        _revision_2()
        user("qo").locale = "zh_CN"
        commit()
    text = _text(client_as("qo").get("/procedures/SA-PR-001/history").get_data(as_text=True))
    assert "Hana Head 批准了 SA-PR-001 第 2 版" in text
    assert "变更摘要: — → Returning customers" in text
