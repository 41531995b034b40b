def test_login_then_dashboard(client_as):
    client = client_as("quality_officer")
    page = client.get("/")
    assert page.status_code == 200
    assert "Quinn Quality" in page.get_data(as_text=True)


def test_wrong_password_is_refused(client, users, csrf_token):
    response = client.post("/login", data={"login": "qo", "password": "nope", "csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert "wrong password" in response.get_data(as_text=True)
