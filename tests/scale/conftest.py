"""The audit cast (users and the checklist plugin) of tests/audits, for tests across processes."""

from tests.audits.conftest import cast, fieldcheck

__all__ = ["cast", "fieldcheck"]
