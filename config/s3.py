"""How the workers talk to S3: bounded multipart transfers."""

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
