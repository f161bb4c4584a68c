"""Static files for production: hashed names, compressed copies, long cache lifetimes."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # The candidate page is native ES modules: rewrite `import ... from "./ui.js"` to the
    # hashed names too, so a browser never mixes modules from two deploys.
    support_js_module_import_aggregation = True
