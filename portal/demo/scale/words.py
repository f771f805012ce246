# ruff: noqa: E501 (one topic a line reads better than wrapped strings)
"""The words the scale loaders build synthetic ideas, people and organisations from.

Topics pair a patient safety harm with where it happens and the workstream it feeds; an idea
is a topic plus an intervention plus seeded details, so five thousand ideas read differently
while some, as in real life, are near-duplicates. All places and people are invented.
"""

from typing import NamedTuple


class Topic(NamedTuple):
    workstreams: tuple[str, ...]
    settings: tuple[str, ...]
    harm: str
    who: str
    place: str
    measure: str


# fmt: off
TOPICS = [
    Topic(("medicines_safety",), ("acute_hospital",), "insulin dosing errors", "people with diabetes admitted to hospital", "on surgical wards", "insulin errors per 1,000 bed days"),
    Topic(("medicines_safety",), ("primary_care", "community"), "missed anticoagulant monitoring", "people taking warfarin or a DOAC", "in general practice", "people on anticoagulants with an overdue check"),
    Topic(("medicines_safety", "system_safety"), ("acute_hospital", "community"), "medication errors at discharge", "older people leaving hospital on many medicines", "when patients go home", "discharge medication discrepancies per 100 discharges"),
    Topic(("medicines_safety",), ("care_homes",), "missed and delayed doses", "care home residents", "in care homes", "missed doses per 1,000 administrations"),
    Topic(("medicines_safety", "mental_health"), ("mental_health", "primary_care"), "unsafe lithium and clozapine monitoring", "people with severe mental illness", "across primary and secondary care", "people on lithium with up-to-date blood tests"),
    Topic(("managing_deterioration",), ("acute_hospital",), "unrecognised sepsis", "adults arriving at the emergency department", "in the emergency department", "time from arrival to antibiotics for sepsis"),
    Topic(("managing_deterioration",), ("care_homes", "community"), "late recognition of deterioration", "frail older people", "in care homes and at home", "unplanned admissions from care homes"),
    Topic(("managing_deterioration",), ("acute_hospital",), "delayed escalation of rising early warning scores", "adult inpatients", "on medical wards", "cardiac arrests per 1,000 admissions"),
    Topic(("managing_deterioration", "system_safety"), ("ambulance", "acute_hospital"), "harm during ambulance handover delays", "patients waiting outside the emergency department", "at hospital handover", "handovers taking longer than 30 minutes"),
    Topic(("maternity_neonatal",), ("maternity",), "missed signs of fetal distress", "women in labour", "on labour wards", "babies born in poor condition at term"),
    Topic(("maternity_neonatal",), ("maternity",), "postpartum haemorrhage", "women after birth", "in the first hours after birth", "women losing more than 1.5 litres of blood"),
    Topic(("maternity_neonatal",), ("neonatal",), "avoidable term admissions to neonatal units", "newborn babies", "on postnatal wards", "term admissions to the neonatal unit"),
    Topic(("mental_health",), ("mental_health",), "use of restrictive practice", "people on acute mental health wards", "on inpatient wards", "restraint episodes per 1,000 occupied bed days"),
    Topic(("mental_health", "system_safety"), ("mental_health", "community"), "self-harm after discharge", "people leaving mental health inpatient care", "in the weeks after discharge", "contacts within 72 hours of discharge"),
    Topic(("system_safety",), ("acute_hospital",), "falls with harm", "older inpatients", "on elderly care wards", "falls with moderate or severe harm per 1,000 bed days"),
    Topic(("system_safety",), ("acute_hospital", "system_wide"), "lost and delayed test results", "patients whose tests are ordered in clinic", "between hospital and GP", "results acknowledged within seven days"),
    Topic(("system_safety",), ("primary_care", "system_wide"), "delayed cancer referrals", "people with possible cancer symptoms", "in primary care", "urgent referrals seen within two weeks"),
    Topic(("system_safety", "managing_deterioration"), ("community",), "pressure ulcers", "people cared for at home by district nurses", "in the community", "new pressure ulcers per 1,000 patients on the caseload"),
]
# fmt: on


class Intervention(NamedTuple):
    title: str
    description: str


INTERVENTIONS = [
    Intervention("A bedside checklist", "a short checklist completed at the bedside"),
    Intervention(
        "An electronic alert", "an alert in the electronic record that prompts staff to act"
    ),
    Intervention("A daily safety huddle", "a ten-minute safety huddle at the start of each shift"),
    Intervention("A patient-held card", "a card that patients and carers keep and show to staff"),
    Intervention("Pharmacist-led reviews", "structured reviews by a clinical pharmacist"),
    Intervention("Text message reminders", "automated text messages to patients and carers"),
    Intervention(
        "In-situ simulation training", "short simulation sessions run by the team where they work"
    ),
    Intervention(
        "A shared care record flag", "a flag in the shared care record that every service can see"
    ),
    Intervention(
        "Visual prompts at the point of care",
        "posters, stickers and screen savers where care is given",
    ),
    Intervention(
        "A structured handover tool", "a structured handover script used at every transfer of care"
    ),
    Intervention(
        "A family escalation route",
        "a phone line that families can call to ask for an urgent review",
    ),
    Intervention(
        "A ward early warning dashboard",
        "a dashboard that highlights patients whose scores are rising",
    ),
    Intervention(
        "Peer-to-peer safety walkarounds", "monthly walkarounds by staff from another team"
    ),
    Intervention(
        "A standard order set", "a standard set of orders built into the prescribing system"
    ),
]

OPENINGS = [
    "Staff told us they want a simpler way to get this right.",
    "It builds on a small test of change our team ran last year.",
    "Patients and carers asked for it after a serious incident.",
    "It costs little and could be spread quickly.",
    "It fits into work staff already do, so it adds little time.",
]
EVIDENCE_OF_PROBLEM = [
    "Incident reports over the last two years.",
    "A local audit of 100 patient records.",
    "Complaints and feedback from families.",
    "Our learning from patient safety incident investigations.",
    "National reports and our own data on harm.",
]
FREQUENCIES = [
    "About once a week",
    "Several times a month",
    "About once a month",
    "Every few days",
    "A few times a year, with serious harm",
]
UNITS = ["in our team", "on our ward", "across our trust", "in our practice", "in our area"]
EVIDENCE_BY_STAGE = {
    "idea": "None yet: we would test it first.",
    "prototype": "A prototype has been tried by a few staff, who found it easy to use.",
    "piloted_locally": "A three-month pilot on one ward halved the number of incidents.",
    "evaluated": "An evaluation over a year showed fewer incidents and good staff feedback.",
    "in_use_elsewhere": "It is already used in two other trusts, which report fewer incidents.",
}
INVOLVEMENT_DETAIL = {
    "none": "We have not yet involved patients or carers, but plan to.",
    "consulted": "We asked a patient group for their views on an early version.",
    "co_designed": "Patients and carers helped design the materials with us.",
    "co_led": "A carer co-leads the project and chairs its steering group.",
}
BALANCING = [
    "Time taken per patient.",
    "Staff workload.",
    "Alert fatigue.",
    "Length of stay.",
    "Delays to other care.",
]
RESOURCES = [
    "Staff time for training and a small amount of IT work.",
    "A part-time project lead for a year.",
    "Printing costs and a few hours of analyst time each month.",
    "Funding for a digital developer and evaluation.",
]
ROLES = [
    "Staff nurse",
    "Ward manager",
    "Consultant",
    "Pharmacist",
    "GP",
    "Midwife",
    "Paramedic",
    "Care home manager",
    "Quality improvement lead",
    "Patient safety specialist",
    "Carer",
]
INEQUALITY_TEXT = "The people least well served now are affected most, and we would check that the change closes the gap."
QUESTIONS = [
    "Could you tell us more about the evidence from your pilot?",
    "Who else would need to be involved to test this in another organisation?",
    "How would you measure whether this makes care safer?",
]
DECLINE_EARLY = [
    "This is already covered by national work on the same problem.",
    "The idea falls outside the programme's current priorities.",
    "We could not see how the change would reduce harm as described.",
]
DECLINE_AFTER_REVIEW = [
    "The panel found the evidence too weak to take forward now.",
    "The panel ranked other ideas on the same problem higher.",
]
WITHDRAW = [
    "My team has moved on to other work.",
    "We are taking this forward locally instead.",
    None,
]
RATIONALE = {
    "shortlisted": "Ranked highly by the panel, with a clear plan to test it.",
    "in_pilot": "Agreed pilot sites and measures with the innovator.",
    "adopted": "The pilot showed less harm; adopted into the workstream.",
}
FOR_INNOVATOR = [
    "A clear idea that tackles a real harm. Add a balancing measure.",
    "Promising, but the plan to measure improvement needs more detail.",
    "The problem is well evidenced; say more about how others could adopt it.",
    "I could not see enough evidence that this would reduce harm as described.",
]

PLACES = [
    "Aldermoor",
    "Brackenfield",
    "Calderbrook",
    "Dunmere",
    "Eastshire",
    "Fenwick Vale",
    "Greyhaven",
    "Hollinsworth",
    "Ivybridge Moor",
    "Kestrel Bay",
    "Larkspur",
    "Marrowdale",
    "Northfold",
    "Oakhurst",
    "Pennerley",
    "Queensmere",
    "Ravenshaw",
    "Saltmarsh",
    "Thornbury Cross",
    "Upperdean",
    "Westbrook",
    "Yarrowfield",
    "Ashcombe",
    "Bramleigh",
    "Coldharbour",
    "Deepdale",
    "Elmstead",
    "Foxley",
    "Glenholme",
    "Harrowgate",
    "Kingsfold",
    "Lowther",
    "Millhaven",
    "Netherby",
    "Orchard Hill",
    "Pinewood",
    "Redcliffe",
    "Stonebridge",
    "Tidewater",
    "Wyvern",
]
FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Efua",
    "Farah",
    "George",
    "Hannah",
    "Imran",
    "Jade",
    "Kofi",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Qasim",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vikram",
    "Wei",
    "Yasmin",
    "Zoe",
    "Amara",
    "Callum",
    "Deepa",
    "Ewan",
    "Grace",
]
LAST_NAMES = [
    "Ahmed",
    "Baker",
    "Chen",
    "Davies",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Usman",
    "Varma",
    "Walsh",
    "Young",
    "Zielinski",
    "Campbell",
    "Mensah",
    "Osei",
    "Reid",
    "Shah",
]

# Phrasings of the idea's own text, so ideas on the same topic still read differently.
SUMMARIES = [
    "We propose {fix} to reduce {harm} among {who} {place}.",
    "{Fix} could cut {harm} {place}, where {who} are most at risk.",
    "Our idea is simple: {fix}, so that fewer {who} come to harm.",
    "{Harm} are all too common {place}; we want to test {fix}.",
    "With {fix}, staff would see the risk of {harm} sooner and act on it.",
]
HARMS = [
    "{Harm} cause avoidable harm to {who}.",
    "When it goes wrong, {who} suffer: {harm} lead to longer stays and sometimes death.",
    "{Harm} are one of the commonest themes in our incident reports.",
    "Families have told us how {harm} affected them.",
]
CONSEQUENCES = [
    "Some patients needed intensive care as a result.",
    "Staff feel anxious and unsupported when it happens.",
    "It adds days to hospital stays.",
    "Two recent cases led to formal complaints.",
    "The harm falls hardest on people who find it hard to speak up.",
    "Near misses are far more common than reported harm.",
    "Bank and agency staff are least likely to know the local process.",
    "Night shifts and weekends carry the most risk.",
    "Patients moved between wards are affected most.",
    "Handover gaps make it worse.",
    "The problem grew after a change of electronic record system.",
    "People whose first language is not English are affected more often.",
]
CHANGES = [
    "We would introduce {fix} {place}, with training for staff and a named lead.",
    "The change is {fix}, tested first on one unit with weekly PDSA cycles.",
    "Staff would use {fix}; a small project group would review how it is working each month.",
    "We plan to co-design {fix} with patients, then test it {place}.",
]
STEPS = [
    "Ward champions would support colleagues in the first month.",
    "We would share results at the monthly governance meeting.",
    "Each use would be recorded so we can learn quickly.",
    "The approach borrows from a scheme that worked in another region.",
    "A short film would explain the change to patients and carers.",
    "Matrons would audit a sample of records every fortnight.",
    "We would adapt the approach after each cycle of testing.",
    "Pharmacy, nursing and medical staff would each have a lead.",
    "It would start on the busiest unit, then spread.",
    "Feedback from staff would shape the second version.",
    "We would link it to existing safety huddles rather than add a new meeting.",
    "Information would be translated into the five commonest local languages.",
]
TEAMS = [
    "a ward sister",
    "a junior doctor",
    "the pharmacy team",
    "a patient safety partner",
    "the night team",
    "a group of carers",
    "a community matron",
    "the practice team",
    "a consultant midwife",
    "the quality improvement team",
    "a healthcare assistant",
    "a paramedic crew",
]
