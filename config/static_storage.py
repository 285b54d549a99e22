"""Static files: WhiteNoise's compressed, hashed storage, with ES module imports rewritten.

The player is a set of ES modules importing each other by relative path; without this the
hashed `player.js` would import its siblings by their unhashed names.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
