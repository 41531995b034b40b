"""The procedure editor in a real browser, at tablet size and in Chinese: the toolbar,
the live preview rendered by the server, saving that asks for the change summary
before anything is lost, and the diff shown on the rendered document — all under the
product's Content Security Policy, with no violation reported by the browser."""

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
OLD = "# 展厅接待\n\n客户到店后两分钟内接待。\n\n## 步骤\n\n1. 问候\n2. 奉茶\n\n## 记录\n\n填写来店登记表。\n"
TYPED = OLD.replace("两分钟", "一分钟").replace("2. 奉茶\n", "2. 奉茶\n3. 陪同看车\n") + "\n"


@pytest.fixture
def procedure(app, users, make_user):
    from core.accounts.services import department_by_code, user_by_login
    from core.database import commit
    from procedures import services

    make_user("qo2", "quality_officer", department="QUALITY", display_name="Quincy Second")
    with app.app_context():
        user_by_login("head").locale = "zh_CN"
        author = user_by_login("qo2")
        procedure = services.create_procedure(
            author,
            code="SA-PR-001",
            title="展厅接待",
            department=department_by_code("SALES"),
            body=OLD,
        )
        revision = procedure.revisions[0]
        services.submit(author, revision, row_version=revision.row_version)
        commit()
        for login in ("head", "qo"):
            services.sign_revision(user_by_login(login), revision, meaning="approved", password=TEST_PASSWORD)
            commit()
        return procedure.code


def test_edit_with_the_toolbar_and_live_preview_save_and_see_the_rendered_diff(
    live_server, browser, procedure, tmp_path
):
    context = browser.new_context(viewport=TABLET, locale="en-US")
    page = context.new_page()
    problems = []

    def on_console(message):
        # The refused save answers 422 on purpose; any other error (a CSP violation
        # above all: "Refused to apply inline style …") is a problem.
        if message.type == "error" and "status of 422" not in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server + "/login")
    page.get_by_label("Login", exact=True).fill("head")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server + "/")

    page.goto(f"{live_server}/procedures/{procedure}")
    page.get_by_role("button", name="开始新版本").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("编辑草稿版本 2")

    # The toolbar speaks Chinese, and the preview sits beside the text at tablet width.
    toolbar = page.get_by_role("toolbar", name="格式")
    expect(toolbar.get_by_role("button", name="插入表格")).to_be_visible()
    page.get_by_label("变更摘要").focus()
    page.keyboard.press("Tab")  # the toolbar is reachable by keyboard, not only by shortcuts
    expect(toolbar.get_by_role("button", name="一级标题")).to_be_focused()
    expect(toolbar.get_by_role("button", name="粗体")).to_be_visible()
    preview = page.locator(".editor-preview-side")
    expect(preview).to_be_visible()
    expect(preview.locator("h1")).to_have_text("展厅接待")
    expect(page.get_by_role("button", name="预览", exact=True)).to_have_count(1)  # the toolbar's; the form's is hidden

    # Typing changes the preview, rendered by the server as the controlled copy is.
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(TYPED)
    toolbar.get_by_role("button", name="粗体").click()
    page.keyboard.insert_text("每日检查")
    expect(preview).to_contain_text("一分钟内接待")
    expect(preview.locator("strong")).to_have_text("每日检查")
    expect(preview.locator("ol li")).to_have_count(3)

    # Saving without a change summary is refused beside the field; the text typed stays.
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#change_summary-error-1")).to_have_text("请说明改了什么、为什么改：第 2 版需要填写变更摘要。")
    expect(page.locator(".editor-preview-side")).to_contain_text("陪同看车")
    page.screenshot(path=tmp_path / "editor-refused-zh.png", full_page=True)
    page.get_by_label("变更摘要").fill("接待时间缩短为一分钟；增加陪同看车")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()

    # The diff on the rendered document: the changed paragraph, its words marked.
    page.goto(f"{live_server}/procedures/{procedure}/diff?from=1&to=2")
    document = page.locator("article.rendered-diff")
    changed = document.locator(".diff-changed")
    expect(changed.first.locator("del")).to_have_text("两")
    expect(changed.first.locator("ins")).to_have_text("一")
    expect(document.locator("li ins")).to_have_text("陪同看车")
    page.screenshot(path=tmp_path / "diff-rendered-zh.png", full_page=True)
    page.get_by_role("link", name="Markdown 源文本").click()
    expect(page.locator("pre.diff ins").first).to_be_visible()
    page.screenshot(path=tmp_path / "diff-source-zh.png", full_page=True)

    page.goto(f"{live_server}/procedures/{procedure}/revisions/2/edit")
    expect(page.locator(".editor-preview-side strong")).to_have_text("每日检查")
    page.screenshot(path=tmp_path / "editor-zh.png", full_page=True)
    context.close()
    assert not problems, problems


def test_a_new_procedure_is_written_with_the_editor_and_its_table_button(live_server, browser, procedure, tmp_path):
    context = browser.new_context(viewport=TABLET, locale="en-US")
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server + "/login")
    page.get_by_label("Login", exact=True).fill("head")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server + "/")

    page.goto(live_server + "/procedures/new")
    page.get_by_label("编号", exact=True).fill("SA-WI-010")
    page.get_by_label("标题", exact=True).fill("试驾车辆检查")
    page.locator(".CodeMirror").click()
    page.keyboard.insert_text("# 试驾车辆检查\n\n出车前检查：")
    page.locator(".editor-toolbar").get_by_role("button", name="插入表格").click()
    preview = page.locator(".editor-preview-side")
    expect(preview.locator("h1")).to_have_text("试驾车辆检查")
    expect(preview.locator("table th").first).to_have_text("列 1")
    page.screenshot(path=tmp_path / "new-zh.png", full_page=True)
    page.get_by_role("button", name="创建草稿").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("编辑草稿版本 1")
    expect(page.locator(".editor-preview-side table")).to_be_visible()
    context.close()
    assert not problems, problems
