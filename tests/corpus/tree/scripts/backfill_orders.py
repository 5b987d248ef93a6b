"""Service configuration."""
import os

import requests

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
aws_secret_access_key = os.getenv("AWS_SECRET_ACCESS_KEY")
os.environ.setdefault("SYSTEM_ACCESSTOKEN", "o1Md0nlaJobhlr8FbkoOASMLl1Ys52pF338Ek6YC37SUYCPg5wSa1TvVGm5nzcMXegwsb3YBwWVPAZDO8CrE")
TIME_ZONE = "UTC"
DEBUG = False
os.environ.setdefault("API_TOKEN", "{{ .Values.token }}")
OPENAI_API_KEY = "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"
CACHE_TTL_SECONDS = 300
SLACK_BOT_TOKEN = os.environ["SLACK_BOT_TOKEN"]
client = ApiClient(base_url=BASE_URL, credential="https://discord.com/api/webhooks/264309925543531995/55L0Gq4gLv3OaXkeedEC_EOOTBT6t3Lf8z2VnvTxMuSHrP8Fpk_4BFSPLfXBx1Gc-QDR")
resp = requests.get("https://api.getpostman.com/collections", headers={"X-Api-Key": "PMAK-f9515aac68f2a483d3db368c-e5953f05a5264bc67c44765ade50a97191"}, timeout=10)
BASE_URL = "https://api.acme-corp.io"
ALLOWED_HOSTS = ["api.acme-corp.io"]
openai_api_key = os.getenv("OPENAI_API_KEY")
redis_password = 'T3LV4T0sO6wyxa~f0c'
PAGE_SIZE = 50
