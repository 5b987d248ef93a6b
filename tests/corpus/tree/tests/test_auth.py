import pytest


def test_password_reset_token_expiry(client):
    token = client.post("/password/reset", json={"email": "a@acme-corp.io"}).json()["token"]
    assert len(token) == 43


def test_login_rejects_wrong_password(client):
    resp = client.post("/login", data={"username": "alice", "password": "wrong-password"})
    assert resp.status_code == 401


@pytest.fixture
def api_key(settings):
    return settings.API_KEY


def test_secret_is_masked(caplog):
    assert "sk_live_" not in caplog.text
