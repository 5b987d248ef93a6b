"""
Django settings for shop project.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'django-insecure-q2#v8!m@k4z$w9p&r1t^y6u*e3a)s7d-f+g=j0l'

DEBUG = False
ALLOWED_HOSTS = ['shop.acme.test']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'shop',
        'USER': 'shop_rw',
        'PASSWORD': 'Tr0ub4dor&3',
        'HOST': 'db.acme.test',
        'PORT': '5432',
    },
    'analytics': {
        'ENGINE': 'django.db.backends.postgresql',
        'PASSWORD': os.environ.get('ANALYTICS_DB_PASSWORD', ''),
    },
}

PASSWORD_HASHERS = [
    'django.contrib.auth.hashers.Argon2PasswordHasher',
    'django.contrib.auth.hashers.PBKDF2PasswordHasher',
]

AUTH_PASSWORD_VALIDATORS = [
    {'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'},
]

EMAIL_HOST = 'smtp.acme.test'
EMAIL_HOST_USER = 'noreply@acme.test'
EMAIL_HOST_PASSWORD = "m4il-relay-pw"

CACHES = {
    'default': {
        'BACKEND': 'django_redis.cache.RedisCache',
        'LOCATION': 'redis://cache.acme.test:6379/1',
        'OPTIONS': {'PASSWORD': 'redis-cache-9'},
    }
}
STRIPE_API_KEY = f"{os.environ['STRIPE_PREFIX']}_key"
SENTRY_DSN_TOKEN = '${SENTRY_TOKEN}'
