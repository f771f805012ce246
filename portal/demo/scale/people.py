"""Synthetic organisations, innovators and panel members (with their profiles)."""

from datetime import timedelta

from portal.auth.models import Organisation, User, UserRole
from portal.auth.models import OrganisationType as Org
from portal.auth.services import organisation_key
from portal.demo.scale import words
from portal.demo.scale.bulk import ids_by, insert_rows
from portal.ideas import choices
from portal.reviews.models import PanelProfile

MARK = "[scale demo]"  # ends every organisation's name
ORGANISATION_MIX = {
    Org.NHS_TRUST: 30,
    Org.ICB: 4,
    Org.PRIMARY_CARE: 18,
    Org.CARE_HOME: 10,
    Org.AMBULANCE: 3,
    Org.UNIVERSITY: 6,
    Org.COMPANY: 12,
    Org.CHARITY: 7,
    Org.PATIENT_OR_PUBLIC: 8,
    Org.OTHER: 2,
}
ORGANISATION_NAMES = {
    Org.NHS_TRUST: (
        "{} Teaching Hospitals NHS Foundation Trust",
        "{} Hospitals NHS Trust",
        "{} Community Health NHS Trust",
        "{} Mental Health NHS Foundation Trust",
    ),
    Org.ICB: ("NHS {} Integrated Care Board",),
    Org.PRIMARY_CARE: ("{} Medical Practice", "{} Surgery", "{} Health Centre"),
    Org.CARE_HOME: ("{} House Care Home", "{} Lodge Nursing Home"),
    Org.AMBULANCE: ("{} Ambulance Service NHS Trust",),
    Org.UNIVERSITY: ("University of {}",),
    Org.COMPANY: ("{} Digital Health Ltd", "{} Medical Devices Ltd"),
    Org.CHARITY: ("{} Carers Centre", "{} Mind"),
    Org.PATIENT_OR_PUBLIC: ("Patient and carer ({})",),
    Org.OTHER: ("{} Patient Safety Collaborative",),
}
PANEL_TYPES = (Org.UNIVERSITY, Org.NHS_TRUST, Org.CHARITY, Org.PATIENT_OR_PUBLIC)


def organisations(rng, n, types, weights, used: set) -> list[dict]:
    """Add `n` organisations of `types`, named uniquely (within `used`); return their rows."""
    rows = []
    for type_ in rng.choices(types, [weights[t] for t in types], k=n):
        base = rng.choice(ORGANISATION_NAMES[type_]).format(rng.choice(words.PLACES))
        name, count = base, 1
        while name in used:
            count += 1
            name = f"{base} {count}"
        used.add(name)
        full = f"{name} {MARK}"
        rows.append({"name": full, "name_key": organisation_key(full), "type": type_})
    insert_rows(Organisation, rows)
    ids = ids_by(Organisation.name_key, Organisation.id, Organisation.name.endswith(MARK))
    return [row | {"id": ids[row["name_key"]]} for row in rows]


def users(rng, n, kind, organisations, password_hash, now) -> list[dict]:
    """Add `n` people spread over `organisations`; return their rows with id and type."""
    # a few organisations have many people, most have a few
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(organisations))]
    rows = []
    for n_user, org in enumerate(rng.choices(organisations, weights, k=n), start=1):
        name = f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"
        rows.append(
            {
                "email": f"scale.{kind}.{n_user:04d}@example.org",
                "name": name,
                "organisation_id": org["id"],
                "password_hash": password_hash,
                "active": True,
                "created_at": now - timedelta(days=rng.uniform(400, 700)),
            }
        )
    insert_rows(User, rows)
    ids = ids_by(User.email, User.id, User.organisation_id.in_([o["id"] for o in organisations]))
    types = {org["id"]: org["type"] for org in organisations}
    return [row | {"id": ids[row["email"]], "type": types[row["organisation_id"]]} for row in rows]


def grant(users, role, now):
    """Give each of `users` the `role`."""
    rows = [{"user_id": u["id"], "role": role, "granted_at": now} for u in users]
    insert_rows(UserRole, rows)


def panel_profiles(rng, panel, partners, workstream_keys, now):
    """Give each panel member a profile; `partners` are patient and carer partners."""
    rows = [
        {
            "user_id": member["id"],
            "workstreams": sorted(rng.sample(workstream_keys, rng.randint(1, 2))),
            "care_settings": sorted(rng.sample(list(choices.CARE_SETTINGS), rng.randint(1, 3))),
            "is_patient_partner": member["id"] in partners,
            "expertise": "Patient and carer partner."
            if member["id"] in partners
            else f"{rng.choice(words.ROLES)} with an interest in patient safety.",
            "updated_at": now,
        }
        for member in panel
    ]
    insert_rows(PanelProfile, rows)
