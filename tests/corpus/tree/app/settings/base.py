"""Base Django settings."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = '-cz0_y!c0x=+w=w!&6wsoux4%-mvj*ci*o%yn5g7db1^m^kxr2'

DEBUG = False
ALLOWED_HOSTS = ['.acme-corp.io']
AUTH_PASSWORD_VALIDATORS = [
    {'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'},
]
