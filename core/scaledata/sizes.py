"""How much each scale makes: the "Data sizes" table of the quality bar."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    """Row counts of one scale; ``trail_events`` is what the table expects (approximately)."""

    name: str
    sites: int
    users: int
    procedures: int
    revisions_per_procedure: int
    audits: int
    items_per_audit: int
    nonconformities: int
    actions: int
    submissions: int
    measurements: int
    trail_events: int
    # Months of history the submissions and audits are spread over.
    months: int = 24

    @property
    def revisions(self) -> int:
        return self.procedures * self.revisions_per_procedure

    @property
    def audit_items(self) -> int:
        return self.audits * self.items_per_audit


SCALES: dict[str, Sizes] = {
    "small": Sizes(
        "small",
        sites=2,
        users=20,
        procedures=30,
        revisions_per_procedure=2,
        audits=10,
        items_per_audit=40,
        nonconformities=30,
        actions=60,
        submissions=2_000,
        measurements=1_000,
        trail_events=20_000,
    ),
    "medium": Sizes(
        "medium",
        sites=10,
        users=200,
        procedures=500,
        revisions_per_procedure=3,
        audits=300,
        items_per_audit=50,
        nonconformities=1_000,
        actions=2_000,
        submissions=50_000,
        measurements=20_000,
        trail_events=300_000,
    ),
    "large": Sizes(
        "large",
        sites=50,
        users=2_000,
        procedures=5_000,
        revisions_per_procedure=4,
        audits=3_000,
        items_per_audit=50,
        nonconformities=20_000,
        actions=40_000,
        submissions=500_000,
        measurements=200_000,
        trail_events=1_000_000,
    ),
    # Beyond the quality bar's table: issue #19's scale-out check on PostgreSQL
    # (about 200 sites, 5,000 users and at least 5 million trail events).
    "xlarge": Sizes(
        "xlarge",
        sites=200,
        users=5_000,
        procedures=20_000,
        revisions_per_procedure=4,
        audits=12_000,
        items_per_audit=50,
        nonconformities=80_000,
        actions=160_000,
        submissions=2_000_000,
        measurements=800_000,
        trail_events=5_000_000,
    ),
}
