"""The demo dealer group of ``dealerqms init --demo``: two dealerships of one
group, the people who work there (every role in every department), and two
years of measurements of every manual metric.

Areas add their own demo records through the ``populate_instance`` hook:
they find the demo sites and their people with ``core.plugins.demo_sites()``
and submit forms with ``core.plugins.submit_forms`` (computed metrics follow
from those submissions). Everything here is created only when missing, so a
second ``init --demo`` adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app

from core.accounts import services
from core.accounts.models import Role, Site, User
from core.accounts.passwords import hash_password
from core.clock import add_months, last_complete_period
from core.database import db
from core.errors import NotFound
from core.metrics import demo as metrics_demo

DEMO_PASSWORD = "demo-password"
HISTORY_MONTHS = 24
# code, name, login prefix — the stronger performer first (plugins shape their data on that order).
DEMO_SITES = [
    ("BJ01", "华骏汽车北京朝阳店 Huajun Motors Beijing Chaoyang (demo)", "bj"),
    ("SH01", "华骏汽车上海浦东店 Huajun Motors Shanghai Pudong (demo)", "sh"),
]
STAFF, HEAD, QO, AUDITOR, ADMIN = (
    Role.STAFF.value,
    Role.DEPARTMENT_HEAD.value,
    Role.QUALITY_OFFICER.value,
    Role.AUDITOR.value,
    Role.ADMIN.value,
)

# Per site: (login suffix, roles, department, role in English, in Chinese) — the login is "<prefix>.<suffix>".
_PEOPLE = [
    ("admin", [ADMIN], "QUALITY", "IT administrator", "IT管理员"),
    ("quality", [QO], "QUALITY", "Quality officer", "质量专员"),
    ("quality.head", [HEAD, QO], "QUALITY", "Quality manager", "质量经理"),
    # Internal auditors come from other departments than those they audit
    # (ISO 9001 9.2.2 c): one from training, one from risk, so every area has one who may audit it.
    ("auditor", [AUDITOR], "TRAINING", "Internal auditor", "内审员"),
    ("auditor2", [AUDITOR], "RISK", "Internal auditor", "内审员"),
    ("sales.head", [HEAD], "SALES", "Head of sales", "销售经理"),
    ("sales", [STAFF], "SALES", "Sales consultant", "销售顾问"),
    ("sales2", [STAFF], "SALES", "Sales consultant", "销售顾问"),
    ("service.head", [HEAD], "AFTERSALES", "Head of after-sales", "售后经理"),
    ("service", [STAFF], "AFTERSALES", "Service advisor", "服务顾问"),
    ("service2", [STAFF], "AFTERSALES", "Technician", "维修技师"),
    ("training.head", [HEAD], "TRAINING", "Head of training", "培训经理"),
    ("training", [STAFF], "TRAINING", "Training coordinator", "培训专员"),
    ("marketing.head", [HEAD], "MARKETING", "Head of marketing", "市场经理"),
    ("marketing", [STAFF], "MARKETING", "Marketing specialist", "市场专员"),
    ("risk.head", [HEAD], "RISK", "Head of risk and compliance", "风控合规经理"),
    ("risk", [STAFF], "RISK", "Compliance officer", "合规专员"),
    ("comms.head", [HEAD], "COMMS", "Head of communication", "客服经理"),
    ("comms", [STAFF], "COMMS", "Customer care specialist", "客服专员"),
]
_NAMES = {
    "bj": [
        "赵磊 Zhao Lei",
        "李娜 Li Na",
        "周敏 Zhou Min",
        "陈静 Chen Jing",
        "孙浩 Sun Hao",
        "王伟 Wang Wei",
        "刘洋 Liu Yang",
        "杨帆 Yang Fan",
        "张敏 Zhang Min",
        "黄强 Huang Qiang",
        "吴刚 Wu Gang",
        "徐丽 Xu Li",
        "马超 Ma Chao",
        "胡婷 Hu Ting",
        "郭鹏 Guo Peng",
        "何静 He Jing",
        "林峰 Lin Feng",
        "高翔 Gao Xiang",
        "罗雪 Luo Xue",
    ],
    "sh": [
        "朱俊 Zhu Jun",
        "沈佳 Shen Jia",
        "陆琳 Lu Lin",
        "顾晨 Gu Chen",
        "蒋涛 Jiang Tao",
        "钱勇 Qian Yong",
        "韩梅 Han Mei",
        "唐磊 Tang Lei",
        "许斌 Xu Bin",
        "冯雷 Feng Lei",
        "邓超 Deng Chao",
        "曹颖 Cao Ying",
        "彭飞 Peng Fei",
        "曾倩 Zeng Qian",
        "萧然 Xiao Ran",
        "程亮 Cheng Liang",
        "袁芳 Yuan Fang",
        "潘杰 Pan Jie",
        "董月 Dong Yue",
    ],
}


# The group office: people of the dealer group who work across its sites (no site of their own).
GROUP_QUALITY_DIRECTOR = "group.quality"
_GROUP_OFFICE = [
    (GROUP_QUALITY_DIRECTOR, [QO], "QUALITY", "Group quality director", "集团质量总监", "欧阳明 Ouyang Ming"),
]


def _users() -> list[tuple[str, str, list[str], str, str | None]]:
    """(login, printed name, roles, department, site code) of every demo user, Beijing's first and
    the group office last (site None); the printed name as an English demo shows it
    (:func:`printed_name` gives the demo's)."""
    users = []
    for code, _name, prefix in DEMO_SITES:
        city = "Beijing" if prefix == "bj" else "Shanghai"
        for (suffix, roles, department, role, _role_zh), person in zip(_PEOPLE, _NAMES[prefix], strict=True):
            users.append((f"{prefix}.{suffix}", f"{person} ({role}, {city})", roles, department, code))
    for login, roles, department, role, _role_zh, person in _GROUP_OFFICE:
        users.append((login, f"{person} ({role})", roles, department, None))
    return users


def printed_name(login: str) -> str:
    """A demo person's name as the demo's language writes it: ``赵磊 Zhao Lei (Sales consultant,
    Beijing)``, or ``赵磊（销售顾问，北京）`` in a demo written in Chinese."""
    group = next((person for person in _GROUP_OFFICE if person[0] == login), None)
    if group is not None:
        _login, _roles, _department, role, role_zh, person = group
        return demo_text(f"{person} ({role})", f"{person.split()[0]}（{role_zh}）")
    prefix, suffix = login.split(".", 1)
    index = next(i for i, person in enumerate(_PEOPLE) if person[0] == suffix)
    person, (_suffix, _roles, _department, role, role_zh) = _NAMES[prefix][index], _PEOPLE[index]
    city, city_zh = ("Beijing", "北京") if prefix == "bj" else ("Shanghai", "上海")
    return demo_text(f"{person} ({role}, {city})", f"{person.split()[0]}（{role_zh}，{city_zh}）")


DEMO_USERS = _users()
# Enters the demo measurements (a quality officer may enter every metric).
DEMO_QUALITY_OFFICER = "bj.quality"


@dataclass(frozen=True)
class DemoSite:
    """A demo dealership as plugins see it (``core.plugins.demo_sites``)."""

    id: int
    code: str
    name: str
    # 0 for the stronger performer, 1 for the weaker
    rank: int
    # the 24 months (YYYY-MM) of demo history, oldest first, ending last month
    months: tuple[str, ...]
    # department code → logins of its staff at the site (QUALITY: the quality officers)
    logins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # department code → login of the department's head at the site
    heads: Mapping[str, str] = field(default_factory=dict)


def present_demo_sites() -> list[DemoSite]:
    """The demo sites that exist, the stronger performer first, with their people."""
    existing = dict(
        db.session.execute(db.select(Site.code, Site.id).where(Site.code.in_([c for c, *_ in DEMO_SITES]))).all()
    )
    last = last_complete_period()
    months = tuple(add_months(last, -n) for n in range(HISTORY_MONTHS - 1, -1, -1))
    sites = []
    for rank, (code, name, _prefix) in enumerate(DEMO_SITES):
        if code not in existing:
            continue
        logins: dict[str, list[str]] = {}
        heads: dict[str, str] = {}
        for login, _printed, roles, department, site in DEMO_USERS:
            if site != code:
                continue
            if STAFF in roles or (department == "QUALITY" and roles == [QO]):
                logins.setdefault(department, []).append(login)
            if HEAD in roles:
                heads[department] = login
        sites.append(
            DemoSite(existing[code], code, name, rank, months, {k: tuple(v) for k, v in logins.items()}, heads)
        )
    return sites


def populate_demo() -> None:
    sites = add_demo_group()
    metrics_demo.populate([sites[code] for code, *_ in DEMO_SITES], services.user_by_login(DEMO_QUALITY_OFFICER))


def add_demo_group() -> dict[str, Site]:
    """The demo sites and their people, those that are missing; returns the sites by code."""
    sites = {}
    for code, name, _prefix in DEMO_SITES:
        try:
            sites[code] = services.site_by_code(code)
        except NotFound:
            sites[code] = services.create_site(None, code, name)
    existing = set(
        db.session.execute(db.select(User.login).where(User.login.in_([u[0] for u in DEMO_USERS]))).scalars()
    )
    missing = [user for user in DEMO_USERS if user[0] not in existing]
    if missing:
        _add_users(missing, sites)
    return sites


def _add_users(missing, sites: dict[str, Site]) -> None:
    # argon2 is slow on purpose (about 0.3 s a hash); the demo users share one
    # published password, so one hash serves them all.
    services.check_password_strength(DEMO_PASSWORD)
    shared_hash = hash_password(DEMO_PASSWORD)
    # Each site's heads become the heads of their department at that site
    # (unless the instance already named someone there).
    for login, _name, roles, department, site in missing:
        user = services.create_user(
            None,
            login=login,
            display_name=printed_name(login),
            roles=roles,
            password=None,
            department=services.department_by_code(department),
            site=sites[site] if site else None,
        )
        user.password_hash = shared_hash
    db.session.flush()


def demo_language() -> str:
    """The language the demo's records are written in: the instance's (``DEALERQMS_LANGUAGE``).

    People write a dealership's records in their own language, and one record has one: a
    Chinese dealer group's demo reads as theirs would, an English evaluator's as theirs.
    """
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def demo_text(en: str, zh: str) -> str:
    """The words of one demo record in the demo's language: ``zh`` when the instance's language
    (``DEALERQMS_LANGUAGE``) is Chinese, ``en`` otherwise. A record is written in one language,
    as people write them; give both so that either demo reads as its dealership's::

        description = demo_text("Brochure stand empty at the entrance", "入口处资料架空了")
    """
    return zh if demo_language().startswith("zh") else en
