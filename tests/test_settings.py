"""Settings from the environment: production refuses a weak SECRET_KEY and passes check --deploy."""

import os
import subprocess
import sys

import pytest

STRONG_KEY = "k" * 10 + "Zq8#vT2!pL9@wX4$mN7%rB1^cF6&hJ3*sD5(gK0)yU"


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], env=full_env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="site_aftersale.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="site_aftersale.settings.production", SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="warranty.example.com", FIELD_ENCRYPTION_KEY="2Gm0Qj7xv9hF0x3b7cWq1d3j1Jv1mRk8m3u0oVx9N2E=",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ("django.db.backends.sqlite3", "orm", "django.core.mail.backends.console.EmailBackend")),
        (
            {"DATABASE_URL": "postgres://u@db.internal:5432/aftersale", "REDIS_URL": "redis://cache:6379/0", "EMAIL_HOST": "smtp.example.com"},
            ("django.db.backends.postgresql", "redis", "warranty_api.integrations.email.EmailBackend"),
        ),
    ],
)
def test_embedded_defaults_and_environment_overrides(env, expected):
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], 'redis' if 'redis' in s.Q_CLUSTER else 'orm', s.EMAIL_BACKEND)"
    )
    result = _manage("shell", "--no-imports", "-c", script, DJANGO_SETTINGS_MODULE="site_aftersale.settings.dev", **env)
    assert result.returncode == 0, result.stderr
    assert tuple(result.stdout.split()) == expected


def test_media_goes_to_the_bucket_the_environment_names():
    from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, s3_server

    script = (
        "from django.core.files.base import ContentFile;"
        "from django.core.files.storage import default_storage as d;"
        "print(d.save('probe/hello.txt', ContentFile(b'hello')))"
    )
    with s3_server(bucket="env-bucket") as s3:
        result = _manage(
            "shell", "--no-imports", "-c", script, DJANGO_SETTINGS_MODULE="site_aftersale.settings.dev",
            MEDIA_STORAGE_BACKEND="storages.backends.s3.S3Storage", AWS_STORAGE_BUCKET_NAME="env-bucket",
            AWS_S3_ENDPOINT_URL=s3.endpoint_url, AWS_S3_REGION_NAME=REGION,
            AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["probe/hello.txt"]
        assert s3.keys() == {"probe/hello.txt"}


def test_production_refuses_an_allow_list_of_plain_http_hosts():
    result = _manage(
        "check", DJANGO_SETTINGS_MODULE="site_aftersale.settings.production", SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="warranty.example.com", FIELD_ENCRYPTION_KEY="2Gm0Qj7xv9hF0x3b7cWq1d3j1Jv1mRk8m3u0oVx9N2E=",
        OUTBOUND_HTTP_ALLOW_HOSTS="fake-shopify.staging.example",
    )
    assert result.returncode != 0
    assert "OUTBOUND_HTTP_ALLOW_HOSTS must be empty in production" in result.stderr


_READ_BACK = (
    "from django.conf import settings as s;"
    "print(s.AFTERSALE_SHOPIFY_TIMEOUT, s.AFTERSALE_SHOPIFY_TEST_TIMEOUT, s.AFTERSALE_WEBHOOK_TIMEOUT,"
    " ','.join(s.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS), s.AFTERSALE_OUTBOX_RETRY_BASE_SECONDS,"
    " s.AFTERSALE_OUTBOX_RETRY_MAX_SECONDS, s.AFTERSALE_OUTBOX_SWEEP_MINUTES, s.AFTERSALE_OUTBOX_LEASE_SECONDS)"
)
_STAGING_ENV = {
    "SHOPIFY_TIMEOUT": "3", "SHOPIFY_TEST_TIMEOUT": "2", "WEBHOOK_TIMEOUT": "4",
    "OUTBOUND_HTTP_ALLOW_HOSTS": "fake-shopify.staging.example,hooks.staging.example",
    "OUTBOX_RETRY_BASE_SECONDS": "5", "OUTBOX_RETRY_MAX_SECONDS": "60", "OUTBOX_SWEEP_MINUTES": "2",
    "OUTBOX_LEASE_SECONDS": "30",
}


@pytest.mark.parametrize("module", ["dev", "test"])
def test_timeouts_allow_list_back_off_and_sweeps_come_from_the_environment(module):
    result = _manage("shell", "--no-imports", "-c", _READ_BACK, DJANGO_SETTINGS_MODULE=f"site_aftersale.settings.{module}",
                     **_STAGING_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3.0", "2.0", "4.0", "fake-shopify.staging.example,hooks.staging.example", "5",
                                     "60", "2", "30"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8101"}, "http://127.0.0.1:8101"),  # what bin/run-dev exports for `PORT=8101 make run`
        ({"PORT": "8101", "PUBLIC_BASE_URL": "https://care.example.com"}, "https://care.example.com"),
    ],
)
def test_email_links_follow_the_port_unless_public_base_url_is_set(env, expected):
    code = "from django.conf import settings; print(settings.AFTERSALE_PUBLIC_BASE_URL)"
    clean = {"PORT": "", "PUBLIC_BASE_URL": "", **env}
    result = _manage("shell", "--no-imports", "-c", code, DJANGO_SETTINGS_MODULE="site_aftersale.settings.dev", **clean)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
