"""The project's own tests use the same fixtures plugin authors get
(``core.testing``, loaded through the ``pytest11`` entry point)."""
