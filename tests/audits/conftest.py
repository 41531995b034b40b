import io
from datetime import timedelta

import pytest

from core.plugins import Checklist, Question, hookimpl
from core.testing import TEST_PASSWORD

# The smallest valid JPEG header is enough for content sniffing.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32


class FieldCheck:
    """An area plugin with two checklists, as sales and after-sales would bring."""

    version = 1

    @hookimpl
    def register_checklists(self):
        return [
            Checklist(
                key="fieldcheck.showroom",
                title="Showroom",
                area="SALES",
                version=self.version,
                questions=[
                    Question(
                        key="greet",
                        text="Is every visitor greeted within two minutes?",
                        reference="SA-PR-001 §2",
                        guidance="Watch the entrance for 15 minutes.",
                    ),
                    Question(key="testdrive", text="Is a test drive offered and recorded?"),
                    Question(key="handover", text="Is the handover checklist signed by the customer?"),
                ],
            ),
            Checklist(
                key="fieldcheck.workshop",
                title="Workshop",
                area="AFTERSALES",
                questions=[
                    Question(key="tools", text="Are torque wrenches calibrated?"),
                ],
            ),
        ]


@pytest.fixture
def fieldcheck(app, register_plugin):
    plugin = FieldCheck()
    register_plugin(plugin, "fieldcheck")
    return plugin


@pytest.fixture
def cast(app, users, make_user, fieldcheck):
    """The users of an audit: qo and auditor (TRAINING) can audit SALES; salesauditor cannot."""
    make_user("salesauditor", "auditor", department="SALES", display_name="Sally Sales-Auditor")
    make_user("qo2", "quality_officer", department="QUALITY", display_name="Quincy Second")
    return users


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def user(login):
    from core.accounts.services import user_by_login

    return user_by_login(login)


def planned(**overrides):
    from audits.services import audits
    from core.clock import today
    from core.database import commit

    fields = dict(
        title="Sales process audit",
        site="MAIN",
        departments=["SALES"],
        scope="Showroom",
        criteria=[],
        lead_auditor="auditor",
        auditors=["qo"],
        planned_date=today() + timedelta(days=3),
        checklists=["fieldcheck.showroom"],
    )
    fields.update(overrides)
    audit = audits.plan_audit(user(fields.pop("actor", "qo")), **fields)
    commit()
    return audit


def started(starter="auditor", **overrides):
    from audits.services import audits
    from core.database import commit

    audit = planned(**overrides)
    audits.start_audit(user(starter), audit, row_version=audit.row_version)
    commit()
    return audit


def record(audit, position, result, note="", login="auditor"):
    from audits.services import audits
    from core.database import commit

    item = audit.items[position]
    audits.record_result(user(login), audit, item, result=result, note=note, row_version=item.row_version)
    commit()
    return item


def upload(data: bytes, name="photo.jpg"):
    return io.BytesIO(data), name


__all__ = ["JPEG", "PNG", "TEST_PASSWORD", "planned", "record", "started", "upload", "user"]
