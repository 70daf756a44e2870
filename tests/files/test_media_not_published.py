"""MEDIA_ROOT is never published: no URL serves it, whitenoise does not reach it, the image does not carry it."""

from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.static import serve

from core import files


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_no_url_serves_media_or_static_files_from_disk():
    media = settings.MEDIA_URL.strip("/")
    for pattern, callback in _patterns(get_resolver()):
        assert callback is not serve, pattern
        assert not pattern.lstrip("^").startswith(media), pattern


def test_the_storage_of_every_file_field_is_the_private_one():
    from django.apps import apps
    from django.core.files.storage import default_storage, storages
    from django.db.models import FileField

    fields = [field for model in apps.get_models() for field in model._meta.get_fields()
              if isinstance(field, FileField)]
    assert fields and isinstance(storages["default"], files.PrivateStorage)
    for field in fields:
        assert field.storage is default_storage or isinstance(field.storage, files.PrivateStorage), (
            f"{field.model.__name__}.{field.name}")


def test_the_system_check_refuses_uploads_inside_a_published_folder(settings):
    assert files.check_media_not_published() == []
    settings.MEDIA_ROOT = Path(settings.STATIC_ROOT) / "uploads"
    assert [e.id for e in files.check_media_not_published()] == ["core.E009"]
    settings.MEDIA_ROOT = Path(settings.STATICFILES_DIRS[0])
    assert [e.id for e in files.check_media_not_published()] == ["core.E009"]


def test_the_docker_image_does_not_carry_local_uploads_or_secrets():
    ignored = (Path(settings.BASE_DIR) / ".dockerignore").read_text().split()
    assert {"media/", "db.sqlite3", ".env"} <= set(ignored)
