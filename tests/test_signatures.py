"""Electronic signatures (21 CFR Part 11 11.50, 11.70, 11.200): the password
again at each signing, what was signed (by hash), and a manifestation."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core.accounts import services
from core.accounts.models import Site
from core.clock import utcnow
from core.database import db
from core.errors import Forbidden, ValidationFailed
from core.signatures import (
    MEANINGS,
    Signature,
    manifestation,
    sign,
    signature_matches,
    signatures_for,
)
from core.testing import TEST_PASSWORD
from core.trail.models import TrailEvent
from core.trail.queries import history


@pytest.fixture
def signable_site(monkeypatch):
    """Sites become signable for the test: their content is code and name."""
    monkeypatch.setattr(Site, "signable_content", lambda self: f"{self.code}\n{self.name}".encode(), raising=False)
    return Site


@pytest.fixture
def qo(make_user):
    make_user("qo", "quality_officer", department="QUALITY", display_name="Quinn Quality")
    return "qo"


def signature_count() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Signature)).scalar_one()


def test_signing_stores_who_what_when_why_and_the_hash_of_the_content(app, qo, signable_site):
    with app.app_context():
        signer = services.user_by_login(qo)
        site = services.site_by_code("MAIN")
        before = utcnow()
        signature = sign(site, signer=signer, password=TEST_PASSWORD, meaning="approved", comment="Checked on site")
        db.session.commit()
        signature_id = signature.id
        db.session.expire_all()

        stored = db.session.get(Signature, signature_id)
        assert (stored.entity_type, stored.entity_id) == ("site", str(site.id))
        assert stored.signer_id == signer.id
        assert (stored.signer_login, stored.signer_name) == ("qo", "Quinn Quality")
        assert stored.meaning == "approved"
        assert stored.comment == "Checked on site"
        assert stored.signed_at.utcoffset() == timedelta(0)
        assert before <= stored.signed_at <= utcnow()
        assert stored.content_sha256 == hashlib.sha256(b"MAIN\nMain dealership").hexdigest()
        assert signatures_for(site) == [stored]


def test_a_wrong_password_is_refused_and_nothing_is_stored(app, qo, signable_site):
    with app.app_context():
        signer = services.user_by_login(qo)
        site = services.site_by_code("MAIN")
        before = signature_count()
        with pytest.raises(ValidationFailed, match="password is not the one of your account") as refused:
            sign(site, signer=signer, password="not my password", meaning="approved")
        assert refused.value.errors == [
            {"field": "password", "message": "This is not the password of your account; type it again."}
        ]
        with pytest.raises(ValidationFailed):
            sign(site, signer=signer, password="", meaning="approved")
        db.session.commit()
        assert signature_count() == before
        assert signatures_for(site) == []


def test_an_unknown_meaning_is_refused(app, qo, signable_site):
    with app.app_context():
        signer = services.user_by_login(qo)
        with pytest.raises(ValidationFailed, match="unknown meaning 'rubber-stamped'") as refused:
            sign(services.site_by_code("MAIN"), signer=signer, password=TEST_PASSWORD, meaning="rubber-stamped")
        assert refused.value.errors[0]["field"] == "meaning"
        db.session.commit()
        assert signature_count() == 0


def test_every_meaning_of_the_product_can_be_signed(app, qo, signable_site):
    assert set(MEANINGS) == {
        "reviewed",
        "approved",
        "rejected",
        "periodic-review",
        "acknowledged",
        "report-issued",
        "verified-effective",
    }
    with app.app_context():
        signer = services.user_by_login(qo)
        site = services.site_by_code("MAIN")
        for meaning in MEANINGS:
            sign(site, signer=signer, password=TEST_PASSWORD, meaning=meaning)
        db.session.commit()
        assert [s.meaning for s in signatures_for(site)] == list(MEANINGS)


def test_a_deactivated_user_cannot_sign(app, qo, signable_site):
    with app.app_context():
        leaver = services.user_by_login(qo)
        leaver.active = False
        db.session.commit()
        with pytest.raises(Forbidden, match="deactivated"):
            sign(services.site_by_code("MAIN"), signer=leaver, password=TEST_PASSWORD, meaning="acknowledged")


def test_a_signature_stops_matching_when_the_record_changes(app, qo, signable_site):
    with app.app_context():
        signer = services.user_by_login(qo)
        site = services.site_by_code("MAIN")
        signature = sign(site, signer=signer, password=TEST_PASSWORD, meaning="reviewed")
        db.session.commit()
        assert signature_matches(signature, site)

        site.name = "Main dealership (renamed after signing)"
        db.session.commit()
        assert not signature_matches(signature, site)

        site.name = "Main dealership"
        db.session.commit()
        assert signature_matches(signature, site)


def test_the_manifestation_shows_printed_name_meaning_and_the_time_with_its_offset(app, qo, signable_site):
    with app.test_request_context("/"):
        signer = services.user_by_login(qo)
        signature = sign(
            services.site_by_code("MAIN"), signer=signer, password=TEST_PASSWORD, meaning="periodic-review"
        )
        db.session.commit()
        text = manifestation(signature)
        assert "Quinn Quality" in text
        assert "Periodic review: still valid" in text
        # With nobody signed in the time is the instance's (Asia/Shanghai), its offset named.
        shanghai = signature.signed_at.astimezone(ZoneInfo("Asia/Shanghai"))
        assert shanghai.strftime("%Y-%m-%d %H:%M:%S") + " UTC+08:00" in text
        berlin = signature.signed_at.astimezone(ZoneInfo("Europe/Berlin"))
        offset = "UTC+01:00" if berlin.utcoffset().total_seconds() == 3600 else "UTC+02:00"
        assert berlin.strftime("%Y-%m-%d %H:%M:%S") + " " + offset in manifestation(signature, berlin.tzinfo)


def test_a_later_rename_does_not_change_what_the_signature_showed(app, qo, signable_site):
    with app.test_request_context("/"):
        signer = services.user_by_login(qo)
        signature = sign(services.site_by_code("MAIN"), signer=signer, password=TEST_PASSWORD, meaning="approved")
        db.session.commit()
        signer.display_name = "Quinn Q. Renamed"
        db.session.commit()
        assert signature.signer_name == "Quinn Quality"
        assert "Quinn Quality" in manifestation(signature)


def test_the_signature_itself_is_in_the_trail(app, qo, signable_site):
    with app.app_context():
        signer = services.user_by_login(qo)
        signature = sign(
            services.site_by_code("MAIN"), signer=signer, password=TEST_PASSWORD, meaning="approved", comment="ok"
        )
        db.session.commit()
        (event,) = history("signature", str(signature.id))
        assert event.action == "create"
        fields = event.changed_fields
        assert fields["meaning"] == [None, "approved"]
        assert fields["signer_login"] == [None, "qo"]
        assert fields["content_sha256"] == [None, signature.content_sha256]
        assert (
            db.session.execute(
                db.select(db.func.count()).select_from(TrailEvent).where(TrailEvent.entity_type == "signature")
            ).scalar_one()
            == 1
        )
