"""How the workers talk to S3 (bounded multipart transfers), and where browsers fetch media from."""

from urllib.parse import urlsplit

from boto3.s3.transfer import TransferConfig

PART_SIZE = 8 * 1024**2


def transfer_config() -> TransferConfig:
    """Return a TransferConfig whose memory stays flat whatever the file size.

    Multipart above 8 MB, in 8 MB parts, 3 in flight, and at most 3 parts read ahead into memory
    (boto3's default is 10, which alone is 80 MB per upload).
    """
    config = TransferConfig(
        multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=3
    )
    config.max_in_memory_upload_chunks = 3
    return config


def media_origins(
    *, bucket: str, custom_domain: str | None, endpoint_url: str | None, region: str | None
) -> list[str]:
    """Return the origins public media URLs are served from, for the CSP's media-src and img-src.

    The same URLs django-storages builds: the CDN domain when there is one; else the endpoint of
    an S3-compatible store (R2, MinIO: path-style, plus the virtual-hosted form); else AWS's
    virtual-hosted bucket host, with and without the region, and the regional host that serves
    bucket names with dots path-style. `media_csp_check` verifies the result against a real URL.
    """
    if custom_domain:
        return [f"https://{custom_domain}"]
    if not bucket:
        return []
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{bucket}.{parts.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins += [
            f"https://{bucket}.s3.{region}.amazonaws.com",
            f"https://s3.{region}.amazonaws.com",
        ]
    return origins
