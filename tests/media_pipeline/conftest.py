"""Clips shared by the media pipeline tests, made once per session (they are read-only)."""

import pytest

from tests import clips


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """Return a factory ``clip(kind="smooth", **options) -> Path`` that caches each clip."""
    folder = tmp_path_factory.mktemp("clips")
    made = {}

    def make(kind: str = "smooth", **options):
        key = (kind, tuple(sorted(options.items())))
        if key not in made:
            name = "_".join([kind, *(f"{k}{v}" for k, v in sorted(options.items()))])
            made[key] = clips.make_clip(folder / f"{name}.mp4", kind=kind, **options)
        return made[key]

    return make


@pytest.fixture(scope="session")
def bad_file(tmp_path_factory):
    """Return a factory ``bad_file(maker_name, **options) -> Path`` over tests.clips.make_*."""
    folder = tmp_path_factory.mktemp("bad")

    def make(name: str, **options):
        suffix = "_".join(f"{k}{v}" for k, v in sorted(options.items()))
        return getattr(clips, f"make_{name}")(folder / f"{name}{suffix}.mp4", **options)

    return make
