"""Giving trail events written around the recorder the site of their record, set-based.

The recorder stamps each event it appends (``recorder._site_of``). A loader that writes rows
and their events in bulk (``core.scaledata``) calls :func:`stamp_sites` once at the end: one
UPDATE per entity type, from the records' tables, as migration ``0015_trail_site`` did for the
events that existed before the column.
"""

from __future__ import annotations

from sqlalchemy import Integer, text
from sqlalchemy.engine import Connection

from core.database import Model
from core.trail.recorder import _site_link, class_entity_type


def _single_integer_key(mapper) -> str | None:
    (key, *more) = mapper.primary_key
    return key.name if isinstance(key.type, Integer) and not more else None


def stamp_sites(connection: Connection) -> None:
    """Set the site of every event that has none and whose record says one."""
    own, through, referenced = [], [], []
    for mapper in Model.registry.mappers:
        if not getattr(mapper.class_, "__trailed__", False):
            continue
        link = _site_link(mapper)
        if link is None:
            continue
        kind, how = link
        key = _single_integer_key(mapper)
        if kind == "reference":
            referenced.append((mapper, how))
        elif key is None:
            continue
        elif kind == "column":
            own.append((class_entity_type(mapper.class_), mapper.local_table.name, key, mapper.columns[how].name))
        else:
            parent = how.mapper
            parent_link = _site_link(parent)
            (local,) = how.local_columns
            (remote,) = [pair[1] for pair in how.local_remote_pairs if pair[0] is local]
            if parent_link and parent_link[0] == "column":
                through.append(
                    (
                        class_entity_type(mapper.class_),
                        mapper.local_table.name,
                        key,
                        local.name,
                        parent.local_table.name,
                        remote.name,
                        parent.columns[parent_link[1]].name,
                    )
                )
    for entity_type, table, key, site in own:
        connection.execute(
            text(
                f'UPDATE trail_event SET site_id = (SELECT t."{site}" FROM "{table}" t '
                f'WHERE t."{key}" = CAST(trail_event.entity_id AS INTEGER)) '
                "WHERE entity_type = :entity_type AND site_id IS NULL"
            ),
            {"entity_type": entity_type},
        )
    for entity_type, table, key, local, parent, remote, site in through:
        connection.execute(
            text(
                f'UPDATE trail_event SET site_id = (SELECT p."{site}" FROM "{table}" r JOIN "{parent}" p '
                f'ON p."{remote}" = r."{local}" WHERE r."{key}" = CAST(trail_event.entity_id AS INTEGER)) '
                "WHERE entity_type = :entity_type AND site_id IS NULL"
            ),
            {"entity_type": entity_type},
        )
    for mapper, (type_key, id_key) in referenced:
        table, key = mapper.local_table.name, _single_integer_key(mapper)
        if key is None:
            continue
        connection.execute(
            text(
                f'UPDATE trail_event SET site_id = (SELECT e.site_id FROM "{table}" s JOIN trail_event e '
                f'ON e.entity_type = s."{mapper.columns[type_key].name}" '
                f'AND e.entity_id = s."{mapper.columns[id_key].name}" '
                f'WHERE s."{key}" = CAST(trail_event.entity_id AS INTEGER) ORDER BY e.seq DESC LIMIT 1) '
                "WHERE entity_type = :entity_type AND site_id IS NULL"
            ),
            {"entity_type": class_entity_type(mapper.class_)},
        )
