"""Three people of the Shanghai demo dealership at work in 中文 on a tablet held upright (768 × 1024):
the quality officer audits the showroom, the head of sales approves a procedure and handles an NC,
and a sales consultant reads a procedure, logs a lead and searches. Everything is found the way a
person finds it: by the Chinese words on the screen.

The demo is a Chinese instance's (``DEALERQMS_LANGUAGE=zh_CN``), as these people would use it;
only the product's own words are asserted, never a demo record's title."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.clock import today
from core.demo import DEMO_PASSWORD
from tests.browser.serving import served
from tests.test_demo_group import demo_app

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
# A time as the product shows it to a person: the site's wall clock, to the minute, no zone or "T".
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
ADDED_STEP = "3. 顾客离店时，前台顾问送至门口并致谢。"


@pytest.fixture(scope="module")
def demo(_database_template, tmp_path_factory):
    """This module's own copy of a Chinese dealer group's demo (the journeys change it), with revision 2 of the Shanghai
    showroom procedure awaiting the head of sales: revision 1 approved, revision 2 adds a step."""
    with demo_app(_database_template, tmp_path_factory, language="zh_CN") as app:
        with app.app_context():
            _revision_2_in_review()
        with served(app) as instance:
            yield instance


def _revision_2_in_review():
    from core.accounts.services import user_by_login
    from core.database import commit, db
    from core.trail import acting_as
    from procedures import services
    from procedures.models import Procedure

    procedure = db.session.execute(db.select(Procedure).filter_by(code="SA-SH01-001")).scalar_one()
    first = procedure.revisions[0]
    for login in ("sh.sales.head", "sh.quality.head"):
        with acting_as(login):
            services.sign_revision(user_by_login(login), first, meaning="approved", password=DEMO_PASSWORD)
            commit()
    author = user_by_login("sh.quality")
    with acting_as("sh.quality"):
        revision = services.new_draft(author, procedure)
        commit()
        services.edit_draft(
            author,
            revision,
            row_version=revision.row_version,
            body=revision.body.rstrip("\n") + "\n" + ADDED_STEP + "\n",
            change_summary="增加送客步骤",
        )
        commit()
        services.submit(author, revision, row_version=revision.row_version)
        commit()


def _names_at(demo, site_code):
    """The names of the people of a site, or of the group office (``site_code`` None)."""
    from core.accounts.models import Site, User
    from core.database import db

    with demo.app.app_context():
        if site_code is None:
            return set(db.session.execute(db.select(User.display_name).where(User.site_id.is_(None))).scalars())
        site = db.session.execute(db.select(Site).filter_by(code=site_code)).scalar_one()
        return set(db.session.execute(db.select(User.display_name).filter_by(site_id=site.id)).scalars())


def _in_chinese(browser, demo, login):
    """A tablet in ``login``'s hands, logged in and switched to 中文 with the header's button."""
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    page.goto(demo.url + "/login")
    # The browser asks for Chinese: the login page speaks it already.
    page.get_by_label("登录名").fill(login)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="中文").click()
    page.goto(demo.url + "/")
    expect(page.get_by_role("heading", level=1, name="仪表板")).to_be_visible()
    return context, page


def _menu(page, name):
    """Follow the main menu's entry ``name`` (its count of open items, if any, after it)."""
    menu = page.get_by_role("navigation", name="主导航")
    menu.get_by_role("link", name=re.compile(rf"^{name}( |$)")).click()


def _fits(page):
    """Nothing to scroll sideways: neither the page nor any of its tables (whose last column is the state)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px on a tablet"
    hidden = page.evaluate("Array.from(document.querySelectorAll('.table-wrap'), w => w.scrollWidth - w.clientWidth)")
    assert all(width <= 0 for width in hidden), f"a table of {page.url} hides {max(hidden)}px sideways"


def test_the_quality_officer_audits_the_showroom(browser, demo, tmp_path):
    context, page = _in_chinese(browser, demo, "sh.quality")
    try:
        _menu(page, "审核")
        page.get_by_role("link", name="计划审核").click()
        expect(page.get_by_role("heading", level=1, name="计划审核")).to_be_visible()
        # The form pre-fills the site, the date and the lead auditor; they are taken as they are.
        expect(page.get_by_label("门店")).to_have_value("SH01")
        expect(page.get_by_label("审核组长")).to_have_value("sh.quality")
        assert page.get_by_label("计划日期").input_value() >= today().isoformat()
        page.get_by_label("标题").fill("展厅内部审核")
        page.get_by_role("checkbox", name="SALES — 销售").check()
        page.get_by_role("checkbox", name=re.compile("^每日展厅巡检")).check()
        _fits(page)
        page.get_by_role("button", name="计划审核").click()
        expect(page.get_by_text(re.compile(r"已计划审核 IA-\d{4}-\d{3}"))).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_contain_text("展厅内部审核")
        expect(page.locator("dt", has_text="检查表").locator("+ dd")).to_contain_text("每日展厅巡检")

        page.get_by_role("button", name="开始审核").click()
        expect(page.get_by_text("审核已开始", exact=False)).to_be_visible()
        expect(page.get_by_text("已回答 0 / 6")).to_be_visible()
        items = page.get_by_role("article")
        items.filter(has_text="1. 入口").get_by_role("button", name="符合", exact=True).click()
        expect(page.get_by_text("已回答 1 / 6")).to_be_visible()
        test_drive = items.filter(has_text="5. 试驾车")
        test_drive.get_by_label("备注").fill("试驾车内没有保险单")
        test_drive.get_by_role("button", name="轻微不符合", exact=True).click()
        expect(page.get_by_text("已回答 2 / 6")).to_be_visible()
        expect(test_drive.get_by_text("轻微不符合", exact=True).first).to_be_visible()
        expect(test_drive.get_by_label("备注")).to_have_value("试驾车内没有保险单")
        nc = test_drive.get_by_role("link", name=re.compile(r"^NC-\d{4}-\d{4}$")).inner_text()
        _fits(page)

        # A report with questions left open is refused, in Chinese, naming the first in Chinese.
        page.get_by_role("link", name="编写并签署报告").click()
        page.get_by_label("摘要").fill("展厅总体良好；试驾车内缺少保险单。")
        page.get_by_label("结论").fill("展厅接待过程有效，一项轻微不符合待纠正。")
        page.get_by_label("您的密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="签署并发布报告").click()
        expect(page.get_by_text("4 项检查表问题尚无结果（第一项：展车是否清洁", exact=False)).to_be_visible()
        page.get_by_role("link", name="取消").click()
        for number in (2, 3, 4, 6):
            item = items.filter(has=page.get_by_role("heading", name=re.compile(rf"^{number}\. ")))
            item.get_by_role("button", name="符合", exact=True).click()
        expect(page.get_by_text("已回答 6 / 6")).to_be_visible()

        page.get_by_role("link", name="编写并签署报告").click()
        page.get_by_label("摘要").fill("展厅总体良好；试驾车内缺少保险单。")
        page.get_by_label("结论").fill("展厅接待过程有效，一项轻微不符合待纠正。")
        page.get_by_label("您的密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="签署并发布报告").click()
        expect(page.get_by_text("报告已发布", exact=False).first).to_be_visible()
        expect(page.locator(".page-header .badge")).to_have_text("已报告")
        # The audit is complete; it closes once its NC is closed, and says so in Chinese.
        page.get_by_role("button", name="关闭审核").click()
        expect(page.get_by_text(f"无法关闭：其不符合项 {nc} 尚未关闭")).to_be_visible()
        expect(page.locator(".page-header .badge")).to_have_text("已报告")

        _menu(page, "不符合项")
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=nc))
        expect(row).to_contain_text("试驾车是否备好，车内有保险单据？")
        expect(row).to_contain_text("轻微")
        expect(row).to_contain_text("待处理")
        _fits(page)
        page.screenshot(path=str(tmp_path / "quality-officer.png"), full_page=True)
    finally:
        context.close()


def test_the_head_of_sales_approves_a_revision_and_handles_an_nc(browser, demo, tmp_path):
    context, page = _in_chinese(browser, demo, "sh.sales.head")
    try:
        _menu(page, "我的待办")
        expect(page.get_by_role("heading", level=1, name="我的待办")).to_be_visible()
        page.get_by_role("link", name=re.compile(r"^批准 SA-SH01-001 第 2 版")).click()
        # The task opens the signature page, where the changes are one tap away.
        expect(page.get_by_role("heading", level=1, name="签名：已批准")).to_be_visible()
        expect(page.get_by_text("您正在以", exact=False)).to_contain_text("SA-SH01-001")

        page.get_by_role("link", name="比较版本").click()
        expect(page.get_by_role("heading", level=1, name="比较 SA-SH01-001 的版本")).to_be_visible()
        added = page.locator(".rendered-diff .diff-inserted, .rendered-diff .diff-changed")
        expect(added.filter(has_text="送至门口并致谢").first).to_be_visible()
        _fits(page)
        page.go_back()

        page.get_by_label("您的密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="签名", exact=True).click()
        # Back on the tasks, the confirmation says when, on the site's wall clock.
        expect(page.get_by_role("heading", level=1, name="我的待办")).to_be_visible()
        confirmation = page.locator(".flash").filter(has_text="已签名：已批准")
        expect(confirmation).to_have_text(re.compile(r"^\s*已签名：已批准，" + LOCAL_TIME.pattern + r"。\s*$"))
        assert "UTC" not in confirmation.inner_text()
        expect(page.get_by_role("link", name=re.compile(r"^批准 SA-SH01-001 第 2 版"))).to_have_count(0)

        _menu(page, "我的待办")
        page.get_by_role("link", name=re.compile(r"^对 NC-\d{4}-\d{4} 采取遏制措施")).first.click()
        nc = re.search(r"NC-\d{4}-\d{4}", page.get_by_role("heading", level=1).inner_text()).group(0)
        expect(page.locator(".page-header .badge").first).to_have_text("待处理")
        page.get_by_label("立即遏制措施").fill("当天为试驾车加满油，保险单放回车内。")
        page.get_by_role("button", name="记录遏制措施").click()
        expect(page.locator(".page-header .badge").first).to_have_text("已遏制")
        page.get_by_label("为什么？（1）").fill("试驾车没有加油")
        page.get_by_label("因为（1）").fill("没有人负责试驾车的日常准备")
        page.get_by_role("button", name="记录根本原因").click()
        expect(page.locator(".page-header .badge").first).to_have_text("已识别根本原因")

        expect(page.get_by_role("heading", name="计划措施")).to_be_visible()
        owner = page.get_by_label("负责人")
        # The owner picker offers the people of the NC's site, Shanghai, and of the group office
        # (who work across sites), and nobody from Beijing.
        people = [name.strip() for name in owner.locator("option").all_inner_texts()]
        shanghai, beijing = _names_at(demo, "SH01") | _names_at(demo, None), _names_at(demo, "BJ01")
        assert people and set(people) <= shanghai and not set(people) & beijing, people
        page.get_by_label("描述").fill("每天开店前由值班顾问检查试驾车油量和保险单。")
        owner.select_option(label=next(name for name in people if "韩梅" in name))
        page.get_by_label("到期日").fill((today() + timedelta(days=14)).isoformat())
        page.get_by_role("button", name="添加措施").click()
        actions = page.get_by_role("row").filter(has_text="每天开店前由值班顾问检查")
        expect(actions).to_contain_text("韩梅")
        expect(actions).to_contain_text(f"{nc}/A1")
        _fits(page)
        page.screenshot(path=str(tmp_path / "head-of-sales.png"), full_page=True)
    finally:
        context.close()


def test_a_sales_consultant_reads_logs_a_lead_and_searches(browser, demo, tmp_path):
    context, page = _in_chinese(browser, demo, "sh.sales")
    try:
        _menu(page, "我的待办")
        # The inbox shows the first five of each kind, earliest due first; the kind's own page all of them.
        page.get_by_role("link", name="阅读并确认", exact=True).click()
        page.get_by_role("link", name=re.compile(r"^阅读 SA-PR-001")).click()
        expect(page.get_by_role("heading", level=1, name="签名：已阅读并理解")).to_be_visible()
        page.get_by_label("您的密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="签名", exact=True).click()
        confirmation = page.locator(".flash").filter(has_text="已签名：已阅读并理解")
        expect(confirmation).to_have_text(re.compile(r"^\s*已签名：已阅读并理解，" + LOCAL_TIME.pattern + r"。\s*$"))
        expect(page.get_by_role("link", name=re.compile(r"^阅读 SA-PR-001"))).to_have_count(0)

        _menu(page, "表单")
        page.get_by_role("link", name="线索登记表").click()
        expect(page.get_by_role("heading", level=1, name="线索登记表")).to_be_visible()
        # Pre-filled: the consultant's own site and the time now, on the site's clock.
        expect(page.get_by_label("门店")).to_have_value("SH01")
        received = page.get_by_label("接收时间").input_value()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", received), received
        page.get_by_label("来源").select_option(label="展厅到店")
        page.get_by_label("客户姓名").fill("王先生")
        # The consultant is the signed-in person, filled in already.
        expect(page.get_by_label("销售顾问")).to_have_value(re.compile("^韩梅"))
        page.get_by_label("意向车型").fill("SUV 混动版")
        page.get_by_label("首次响应分钟数").fill("2")
        for question, answer in (("已试驾", "是"), ("已告知隐私政策", "是"), ("同意接收营销联系", "否")):
            page.get_by_role("group", name=re.compile(f"^{question}")).get_by_label(answer, exact=True).check()
        _fits(page)
        page.get_by_role("button", name="提交").click()

        expect(page.get_by_text("谢谢：线索登记表 已提交。")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_contain_text("线索登记表")
        submitted = page.get_by_text(re.compile(r"^韩梅.*? 于 " + LOCAL_TIME.pattern + " 为 .* 提交。"))
        expect(submitted).to_be_visible()
        # The time received reads as it was typed, on the wall clock, not as stored.
        expect(page.locator("dl.columns")).to_contain_text(received.replace("T", " "))
        expect(page.locator("dl.columns")).not_to_contain_text("UTC")
        page.get_by_role("link", name="再登记一条").click()
        expect(page.get_by_role("heading", level=1, name="线索登记表")).to_be_visible()
        expect(page.get_by_label("门店")).to_have_value("SH01")
        expect(page.get_by_label("客户姓名")).to_have_value("")

        search = page.get_by_role("search").get_by_role("searchbox", name="搜索")
        search.fill("展厅")
        search.press("Enter")
        expect(page.get_by_role("heading", level=1, name="搜索")).to_be_visible()
        expect(page.get_by_text("相关的记录，按相关度排列", exact=False)).to_be_visible()
        page.get_by_role("link", name=re.compile("SA-PR-001")).first.click()
        expect(page.get_by_role("heading", level=1).first).to_contain_text("SA-PR-001")
        # Read a moment ago: the procedure says so instead of asking again.
        expect(page.get_by_text("您已确认此版本")).to_be_visible()
        signature = page.get_by_role("row").filter(has_text="韩梅")
        expect(signature).to_contain_text("已阅读并理解")
        _fits(page)
        page.screenshot(path=str(tmp_path / "sales-consultant.png"), full_page=True)
    finally:
        context.close()
