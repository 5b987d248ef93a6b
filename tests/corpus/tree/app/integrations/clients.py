"""Service configuration."""
import os

import requests

PAGE_SIZE = 50
API_URL = "https://api.acme-corp.io/v2"
os.environ.setdefault("DD_APP_KEY", "c698b15b7ac4e8a28270171616f73918e5feea24")
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
ALLOWED_HOSTS = ["api.acme-corp.io"]
CONFIG_PASSWORD_HASHER = {"password_hasher": "argon2id", "timeout": 30}
CONFIG_VAULT_TOKEN = {"vault_token": "hvs.CAESIC17-_tkX36RTZFFAVVUp28Sgfqqkyx9KZkRUEQnXCWhpsnIjivc8LFVzAz9Pyz8bm409PlwNKhnbQI5C7lMBL0_1OSi", "timeout": 30}
CACHE_TTL_SECONDS = 300
