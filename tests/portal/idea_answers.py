"""Complete, valid answers for every section of the idea form, as the browser would post them."""

ANSWERS = {
    "about": {
        "title": "Sepsis prompts for district nurses",
        "summary": "A short prompt card and app checklist so district nurses spot sepsis early.",
    },
    "problem": {
        "problem_harm": "Sepsis in people cared for at home is recognised late.",
        "problem_who": "Older people receiving district nursing care at home.",
        "problem_frequency": "About two serious incidents a year in our trust.",
        "problem_evidence": "Incident reports and a 2025 audit of 60 records.",
    },
    "change": {
        "proposed_change": "Add a NEWS2-based sepsis prompt to the visit checklist.",
        "development_stage": "prototype",
        "evidence": "",
    },
    "fit": {"care_settings": ["community"], "workstreams": ["managing_deterioration"]},
    "benefit": {
        "populations": ["core20", "multiple_conditions"],
        "clinical_areas": [],
        "inequalities": "People in deprived areas are seen later; the prompt works at any visit.",
    },
    "involvement": {"involvement_level": "consulted", "involvement_detail": ""},
    "measures": {
        "outcome_measures": "Sepsis admissions with delayed recognition per quarter.",
        "process_measures": "Percentage of visits with the prompt completed.",
        "balancing_measures": "Length of visits.",
    },
    "resources": {"resources_needed": "Printing, app changes and two hours of training per nurse."},
    "about_you": {"innovator_role": "District nursing team leader", "consent_to_share": "y"},
}


def fill_all(client, reference, skip=()):
    """Post every section's answers; return the responses by section key."""
    responses = {}
    for key, data in ANSWERS.items():
        if key not in skip:
            responses[key] = client.post(f"/ideas/{reference}/sections/{key}", data=data)
    return responses
