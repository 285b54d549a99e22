"""An S3 API server on loopback (moto in server mode) and storages pointing at it."""

import socket

import boto3
from moto.server import ThreadedMotoServer

from config.s3 import transfer_config

PUBLIC_BUCKET = "lockstep-media"
PRIVATE_BUCKET = "lockstep-originals"
CDN_DOMAIN = "cdn.lockstep.test"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackS3:
    """A moto S3 server on 127.0.0.1 with the two buckets the site uses."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self) -> "LoopbackS3":
        self.server.start()
        for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
            self.client().create_bucket(Bucket=bucket)
        return self

    def stop(self) -> None:
        self.server.stop()

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def storages(self, base: dict) -> dict:
        """Return a STORAGES setting with S3 for `default` and `originals`, as production has."""
        common = {
            "endpoint_url": self.endpoint,
            "region_name": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "file_overwrite": True,
            "transfer_config": transfer_config(),
        }
        return {
            **base,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    **common,
                    "bucket_name": PUBLIC_BUCKET,
                    "custom_domain": CDN_DOMAIN,
                    "querystring_auth": False,
                    "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
                },
            },
            "originals": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    **common,
                    "bucket_name": PRIVATE_BUCKET,
                    "location": "originals",
                    "querystring_auth": True,
                    "default_acl": "private",
                    "object_parameters": {"StorageClass": "STANDARD_IA"},
                },
            },
        }
