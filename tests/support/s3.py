"""A real S3-compatible server on 127.0.0.1 (moto's server mode), for media on object storage."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

from tests.support.smtp import free_port

ACCESS_KEY = "aftersale-test"
SECRET_KEY = "aftersale-test-secret"  # the fake server's, never a real one
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def keys(self) -> set[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listing.get("Contents", [])}

    def storages_setting(self) -> dict:
        """A STORAGES setting whose default storage is this server's bucket, private, as in production."""
        return {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": self.bucket,
                    "endpoint_url": self.endpoint_url,
                    "access_key": ACCESS_KEY,
                    "secret_key": SECRET_KEY,
                    "region_name": REGION,
                    "default_acl": None,
                    "file_overwrite": False,
                    "querystring_auth": True,
                },
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }


@contextlib.contextmanager
def s3_server(bucket: str = "aftersale-media") -> Iterator[S3Server]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        s3 = S3Server(endpoint_url=f"http://127.0.0.1:{port}", bucket=bucket)
        s3.client().create_bucket(Bucket=bucket)
        yield s3
    finally:
        server.stop()
