"""The fixed answer lists of the idea form (values stored, labels shown)."""

DEVELOPMENT_STAGES = {
    "idea": "An idea: not yet tried",
    "prototype": "A prototype or early version exists",
    "piloted_locally": "Piloted locally",
    "evaluated": "Evaluated, with results",
    "in_use_elsewhere": "In use elsewhere",
}

CARE_SETTINGS = {
    "maternity": "Maternity",
    "neonatal": "Neonatal",
    "mental_health": "Mental health",
    "care_homes": "Care homes",
    "acute_hospital": "Acute hospital",
    "primary_care": "Primary care",
    "community": "Community",
    "ambulance": "Ambulance",
    "system_wide": "System-wide (integrated care system)",
}

# NHS England's Core20PLUS5: the population groups and the five clinical areas.
CORE20PLUS5_GROUPS = {
    "core20": "People living in the most deprived 20% of areas (Core20)",
    "ethnic_minority": "Ethnic minority communities",
    "inclusion_health": "Inclusion health groups (for example, people experiencing homelessness)",
    "learning_disability_autism": "People with a learning disability and autistic people",
    "coastal": "Coastal communities",
    "multiple_conditions": "People with multiple long-term conditions",
    "protected_characteristics": "Other groups who share protected characteristics",
}
CLINICAL_AREAS = {
    "maternity": "Maternity",
    "severe_mental_illness": "Severe mental illness",
    "chronic_respiratory": "Chronic respiratory disease",
    "early_cancer": "Early cancer diagnosis",
    "hypertension": "Hypertension case-finding and lipid management",
}

INVOLVEMENT_LEVELS = {
    "none": "Not yet involved",
    "consulted": "Consulted: we asked patients or carers for their views",
    "co_designed": "Co-designed: patients or carers helped shape it",
    "co_led": "Co-led: patients or carers share leadership of it",
}
