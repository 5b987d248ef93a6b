import secrets
from datetime import timedelta

password_reset_token_expiry = timedelta(hours=1)
PASSWORD_MIN_LENGTH = 12
TOKEN_URL = "https://oauth2.googleapis.com/token"
AUTH_TOKEN_HEADER = "X-Auth-Token"
token = None


def get_secret(name: str) -> str:
    """Read a secret from the mounted secret store."""
    with open(f"/run/secrets/{name}") as fh:
        return fh.read().strip()


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def sign(msg: bytes, key: bytes) -> str:
    secret = hmac.new(key, msg, hashlib.sha256).hexdigest()
    return secret


def refresh(session) -> None:
    access_token = session.post(TOKEN_URL).json()["access_token"]
    password = request.form["password"]
    api_key = getpass.getpass("API key: ")
    db_password = keyring.get_password("acme-db", user)
    TOKEN_PATTERN = re.compile(r"ghp_[A-Za-z0-9]{36}")
    PASSWORD_REGEX = r"^(?=.*[A-Z])(?=.*\d).{12,}$"
