"""What the core's services say when they refuse, in the reader's language and words:
a Chinese user reads Chinese, an English one English, and fields go by their labels."""

import re

from core.accounts import services
from core.database import commit

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
NEW_PASSWORD = "a much longer passphrase 42"


def test_a_stale_copy_is_refused_in_the_callers_language(api_as, users):
    admin = api_as("admin")
    first = admin.get("/api/v1/users/staff").json["row_version"]
    assert admin.patch("/api/v1/users/staff", json={"display_name": "A", "row_version": first}).status_code == 200
    english = admin.patch("/api/v1/users/staff", json={"display_name": "B", "row_version": first}, headers=EN)
    assert english.status_code == 409
    assert english.json["detail"].startswith("This record was changed by someone else meanwhile")
    chinese = admin.patch("/api/v1/users/staff", json={"display_name": "B", "row_version": first}, headers=ZH)
    assert chinese.status_code == 409
    assert chinese.json["detail"].startswith("在此期间已有他人修改了这条记录")


def test_a_taken_login_and_an_empty_name_are_refused_in_the_callers_language(api_as, users):
    body = {"login": "staff", "display_name": "Sam", "roles": ["staff"], "password": NEW_PASSWORD}
    english = api_as("admin").post("/api/v1/users", json=body, headers=EN)
    assert english.status_code == 409
    assert english.json["detail"] == "A user with login 'staff' already exists: choose another login."
    chinese = api_as("admin").post("/api/v1/users", json=body, headers=ZH)
    assert chinese.json["detail"] == "登录名为 'staff' 的用户已存在，请换一个登录名。"
    version = api_as("admin").get("/api/v1/users/staff").json["row_version"]
    unnamed = {"display_name": " ", "row_version": version}
    english = api_as("admin").patch("/api/v1/users/staff", json=unnamed, headers=EN)
    assert english.status_code == 422 and english.json["detail"] == "Enter the display name."
    chinese = api_as("admin").patch("/api/v1/users/staff", json=unnamed, headers=ZH)
    assert chinese.json["detail"] == "请填写显示名称。" and "display_name" not in chinese.json["detail"]


def test_a_wrong_current_password_is_named_on_the_page_in_the_users_language(app, client_as, users):
    with app.app_context():
        services.user_by_login("staff").locale = "zh_CN"
        commit()
    for who, words in [("staff", "这不是您当前的密码，请重新输入。"), ("head", "This is not your current password")]:
        client = client_as(who)
        page = client.get("/account/password").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        refused = client.post(
            "/account/password",
            data={
                "current_password": "wrong",
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "csrf_token": token,
            },
        )
        assert refused.status_code == 422 and words in refused.get_data(as_text=True)
