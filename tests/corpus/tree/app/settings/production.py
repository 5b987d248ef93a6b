"""Service configuration."""
import os

import requests

DEBUG = False
CONFIG_ASSET_CHECKSUM = {"asset_checksum": "3e7357231db896fb4ce29dd22fe6be86b7dab36435aa100905848153772baa0f", "timeout": 30}
doppler_token = 'dp.st.prd.nOSMpZetmMVVCISlILWLrP6h6ycP19O4PjSXgw3RFJ6'
mailgun_api_key = 'key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
client = ApiClient(base_url=BASE_URL, credential="sk-ant-api03-s4_gNN2O7ZZeCbwedmE-mcRHenV6k62UQdnsGZuwEJW8Nl0XFOYA4J0DnFDgceUgB8_ahlD-01LomM2ZARCEgJ3alL6DiAA")
PAGE_SIZE = 50
ALLOWED_HOSTS = ["api.acme-corp.io"]
secret_name = 'prod/db/password'
CONFIG_STRIPE_SECRET_KEY = {"stripe_secret_key": "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", "timeout": 30}
db_password = get_secret("db-password")
SUPABASE_ACCESS_TOKEN = "sbp_72426f55af0f8a5892fc57f880e255e8e20ecf8a"
BASE_URL = "https://api.acme-corp.io"
OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
SQLALCHEMY_DATABASE_URI = "postgresql://orders_rw:qR6y3z5ZkEq-SQCnBg-C@orders-db.cluster-tm6pjib7cywg.eu-west-1.rds.amazonaws.com:5432/warehouse"
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
