"""Files in an S3 bucket (a real SeaweedFS, tests/object_store.py): the same promises as on disk,
and a damaged object is refused rather than served."""

import hashlib
import io
import os

import pytest

from core.errors import NotFound, TooLarge
from core.storage import CorruptFile, S3FileStore, file_store
from core.storage.s3 import CHECK_BEFORE_SERVING


@pytest.fixture
def app_config(s3_config):
    return s3_config


@pytest.fixture
def store(app):
    with app.app_context():
        yield file_store()


def _keys(store: S3FileStore) -> list[str]:
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.location.prefix)
    return [entry["Key"] for entry in listing.get("Contents", ())]


def test_the_configured_store_is_the_bucket_and_a_file_comes_back_as_it_went_in(store):
    assert isinstance(store, S3FileStore)
    data = b"evidence photo " * 1000
    sha256, size = store.put(io.BytesIO(data))
    assert (sha256, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.exists(sha256) and store.size(sha256) == size
    assert store.read(sha256) == data
    assert _keys(store) == [f"{store.location.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"]


def test_a_file_larger_than_one_part_streams_in_and_out_whole(store):
    data = os.urandom(CHECK_BEFORE_SERVING + 3 * 1024 * 1024)
    sha256, size = store.put(io.BytesIO(data))
    assert size == len(data)
    with store.open(sha256) as stream:
        assert stream.read(1000) == data[:1000]
        assert stream.read() == data[1000:]


def test_the_same_content_twice_is_one_object(store):
    first = store.put(io.BytesIO(b"the same content"))
    second = store.put(io.BytesIO(b"the same content"))
    assert first == second and len(_keys(store)) == 1
    assert list(store.all_hashes()) == [first[0]]


def test_every_stored_file_is_listed_in_key_order_for_the_backup(store):
    hashes = [store.put(io.BytesIO(f"file {n}".encode()))[0] for n in range(5)]
    assert list(store.all_hashes()) == sorted(hashes)


def test_an_upload_over_the_limit_is_refused_and_leaves_no_object(store):
    with pytest.raises(TooLarge, match="larger than the limit of 1 MiB"):
        store.put(io.BytesIO(b"x" * (1024 * 1024 + 1)), max_bytes=1024 * 1024)
    assert _keys(store) == []


def test_a_file_that_is_not_there_is_not_found(store):
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(missing)
    with pytest.raises(NotFound):
        store.open(missing)
    with pytest.raises(NotFound):
        store.open("../../etc/passwd")


def test_an_object_changed_in_the_bucket_is_refused_on_read(store):
    sha256, _size = store.put(io.BytesIO(b"the auditor's photo"))
    store.client.put_object(Bucket=store.bucket, Key=store.key(sha256), Body=b"someone else's photo")
    with pytest.raises(CorruptFile, match=f"{sha256} in s3://.* does not match its SHA-256"):
        store.read(sha256)


def test_a_large_damaged_object_is_cut_short_before_its_last_bytes(store):
    data = os.urandom(CHECK_BEFORE_SERVING + 2 * 1024 * 1024)
    sha256, _size = store.put(io.BytesIO(data))
    damaged = data[:-1] + bytes([data[-1] ^ 1])
    store.client.put_object(Bucket=store.bucket, Key=store.key(sha256), Body=damaged)
    received = bytearray()
    with pytest.raises(CorruptFile), store.open(sha256) as stream:
        while chunk := stream.read(64 * 1024):
            received += chunk
    assert 0 < len(received) < len(data) and damaged.startswith(received)
