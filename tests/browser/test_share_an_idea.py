"""Sharing an idea in a real browser: the innovator's nine sections, a file, submission, and a
lead's question answered; with JavaScript (checked with axe) and without it."""

import re

from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.demo import DEMO_INNOVATORS, DEMO_USERS

DEMO = {role: (email, password) for role, email, _name, _org, password in DEMO_USERS}
# Another demo innovator, so the no-JavaScript test has an account (and ideas) of its own.
MIDWIFE = next(
    (email, password) for key, email, *_, password in DEMO_INNOVATORS if key == "rhiannon"
)
REFERENCE = re.compile(r"PSI-\d{4}-\d{4}-\d")
TINY_PDF = b"%PDF-1.4\n%...\n%%EOF"

# What a person types and ticks on each section, in task-list order:
# (key, task-list title, {text field label: answer}, [(question, option label), ...]); a
# question of None is a checkbox on its own, outside any group.
# The text labels are unique on their page, so each is matched exactly.
SECTIONS = [
    (
        "about",
        "About your idea",
        {
            "Give your idea a short title": "Night-time falls huddle on surgical wards",
            "Summarise your idea": "A five-minute huddle at 10pm to agree who is at risk of "
            "falling overnight and what each patient needs.",
        },
        [],
    ),
    (
        "problem",
        "The safety problem",
        {
            "What harm happens, or could happen?": "Patients fall at night and break hips.",
            "Who is harmed?": "Older patients recovering from surgery.",
            "How often does it happen?": "About four falls with harm a year on each ward.",
            "How do you know?": "Incident reports and our 2025 falls audit.",
        },
        [],
    ),
    (
        "change",
        "Your idea and evidence",
        {
            "What is your idea?": "A structured huddle with a checklist, led by the nurse in "
            "charge, before the night settles.",
            "What evidence do you have so far? (optional)": "Falls halved on one ward over six "
            "months.",
        },
        [("How far has your idea got?", "Piloted locally")],
    ),
    (
        "fit",
        "Where it fits",
        {},
        [
            ("Which care settings is it for?", "Acute hospital"),
            ("Which programme workstreams does it fit?", "System Safety (SSIP)"),
        ],
    ),
    (
        "benefit",
        "Who benefits and health inequalities",
        {
            "How would your idea reduce health inequalities?": "Patients with dementia or a "
            "learning disability fall most; the huddle names them first.",
        },
        [
            (
                "Which groups would benefit most? (optional)",
                "People with a learning disability and autistic people",
            ),
            (
                "Which groups would benefit most? (optional)",
                "People with multiple long-term conditions",
            ),
        ],
    ),
    (
        "involvement",
        "Patient and carer involvement",
        {"Tell us more (optional)": "Two carers helped write the checklist."},
        [
            (
                "How have patients and carers been involved so far?",
                "Co-designed: patients or carers helped shape it",
            )
        ],
    ),
    (
        "measures",
        "Measuring improvement",
        {
            "Outcome measures": "Falls with harm per 1,000 occupied bed days.",
            "Process measures": "Percentage of nights with a huddle recorded.",
            "Balancing measures": "Time the huddle takes from other night tasks.",
        },
        [],
    ),
    (
        "resources",
        "What you would need",
        {"What would you need to make it happen?": "Printed checklists and an hour of training."},
        [],
    ),
    (
        "about_you",
        "About you and consent",
        {"Your job title or role": "Ward sister, surgical unit"},
        [(None, "I agree that my idea can be shared with the programme team")],
    ),
]
TITLE = SECTIONS[0][2]["Give your idea a short title"]


def sign_in(page, email, password, home="/innovator"):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(home) + "$"))


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))


def fill_section(page, texts, choices):
    """Answer one section as a person would: type into each box, tick each choice."""
    for label, answer in texts.items():
        page.get_by_label(label, exact=True).fill(answer)
    for question, option in choices:
        if question is None:
            page.get_by_label(option).check()
        else:
            page.get_by_role("group", name=question).get_by_label(option, exact=True).check()


def start_idea(page):
    """From the landing page, start a draft; return its reference (on the task list)."""
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(re.compile(r"/ideas/PSI-[\d-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Untitled idea")
    return REFERENCE.search(page.url).group()


def expect_status(page, text):
    expect(page.get_by_role("main").locator(".nhsuk-tag").first).to_have_text(text)


def test_share_an_idea_journey(page, check_accessibility, tmp_path):
    sign_in(page, *DEMO[Role.INNOVATOR])
    page.goto("/share-an-idea")
    expect(page.get_by_role("heading", level=1)).to_have_text("Share your idea")
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    check_accessibility(page)
    reference = start_idea(page)
    check_accessibility(page, "#task-list")

    for number, (key, title, texts, choices) in enumerate(SECTIONS):
        page.get_by_role("link", name=title, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/sections/{key}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        check_accessibility(page)
        if key == "about":
            check_summary_too_long(page, check_accessibility)
        fill_section(page, texts, choices)
        page.get_by_role("button", name="Save and continue").click()
        if number + 1 < len(SECTIONS):
            expect(page).to_have_url(re.compile(rf"/sections/{SECTIONS[number + 1][0]}$"))
            page.get_by_role("link", name="Back to your idea").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
            expect(
                page.get_by_text(f"You have completed {number + 1} of 9 sections")
            ).to_be_visible()
    # The last section leads straight to the answers; first add a supporting document.
    expect(page).to_have_url(re.compile(r"/check$"))
    page.get_by_role("link", name="Back to your idea").click()
    page.get_by_role("link", name="Supporting documents (optional)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supporting documents (optional)")
    expect(page.get_by_text("You have not added any files.")).to_be_visible()
    pdf = tmp_path / "falls-audit.pdf"
    pdf.write_bytes(TINY_PDF)
    # NHS.UK's script turns the file input into a button named "Upload a file, No file chosen
    # Choose file ..." that opens the picker. The input alone is a button named "Upload a
    # file", so matching "Choose file" too waits for the script.
    choose = page.get_by_role("button", name=re.compile(r"^Upload a file\b.*\bChoose file\b"))
    with page.expect_file_chooser() as chooser:
        choose.click()
    chooser.value.set_files(pdf)
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "falls-audit.pdf has been added"
    )
    expect(page.get_by_role("link", name="falls-audit.pdf")).to_be_visible()
    check_accessibility(page)  # once, with a file listed: the fuller page
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You have completed 9 of 9 sections")).to_be_visible()
    expect(page.get_by_role("link", name="Supporting documents (optional)")).to_be_visible()

    page.get_by_role("button", name="Check your answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your idea"
    )
    expect(page.get_by_role("main")).to_contain_text("Ward sister, surgical unit")
    check_accessibility(page)
    page.get_by_role("button", name="Submit idea").click()

    expect(page).to_have_url(re.compile(rf"/ideas/{reference}/confirmation$"))
    panel = page.locator(".nhsuk-panel")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Idea submitted")
    expect(panel).to_contain_text(REFERENCE)
    expect(panel).to_contain_text(reference)
    check_accessibility(page)

    page.get_by_role("link", name="Go to your ideas").click()
    expect(page).to_have_url(re.compile(r"/innovator$"))
    card = page.locator(".nhsuk-card").filter(has_text=reference)
    expect(card.locator(".nhsuk-tag")).to_have_text("Submitted")
    check_accessibility(page, "#with-submitted-idea")  # /innovator alone is checked elsewhere
    card.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(rf"/ideas/{reference}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect_status(page, "Submitted")
    check_accessibility(page, "#submitted")
    sign_out(page)

    # A programme lead asks the innovator a question from the triage pages.
    sign_in(page, *DEMO[Role.PROGRAMME_LEAD], home="/pipeline")
    page.get_by_role("navigation").get_by_role("link", name="Triage", exact=True).click()
    expect(page).to_have_url(re.compile(r"/triage$"))
    check_accessibility(page)
    page.get_by_role("row").filter(has_text=reference).get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(rf"/ideas/{reference}\?back=/triage$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("link", name="falls-audit.pdf")).to_be_visible()
    check_accessibility(page, "#lead")
    question = "Which wards tried the huddle, and for how long?"
    page.get_by_label("Your question for the innovator").fill(question)
    page.get_by_role("button", name="Send question").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        f"Your question about {reference} has been sent to the innovator"
    )
    expect(page).to_have_url(re.compile(r"/triage$"))  # back to the list for the next idea
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row.locator(".nhsuk-tag")).to_have_text("Waiting for the innovator")
    sign_out(page)

    # The innovator sees the question first, answers it, and the idea goes back to the team.
    sign_in(page, *DEMO[Role.INNOVATOR])
    waiting = page.locator(".nhsuk-card--feature")
    expect(waiting.get_by_role("heading", name="Questions for you")).to_be_visible()
    check_accessibility(page, "#questions")
    waiting.get_by_role("link", name=f"Answer the question about {TITLE} ({reference})").click()
    expect(page).to_have_url(re.compile(rf"/ideas/{reference}#question$"))
    expect(page.get_by_role("heading", name="A question for you")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(question)
    expect_status(page, "Question for you")
    check_accessibility(page, "#question")
    answer = "Two surgical wards, from March to August 2025."
    page.get_by_label("Your answer", exact=True).fill(answer)
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Your answer has been sent to the programme team"
    )
    expect(page.locator(".app-timeline")).to_contain_text(answer)
    expect(page.get_by_role("heading", name="A question for you")).to_have_count(0)
    expect_status(page, "Submitted")


def check_summary_too_long(page, check_accessibility):
    """Too long a summary is refused, and the error summary's link leads to the field."""
    summary = page.get_by_label("Summarise your idea", exact=True)
    summary.fill(" ".join(["word"] * 151))
    page.get_by_role("button", name="Save and continue").click()
    errors = page.locator(".nhsuk-error-summary")
    expect(errors.get_by_role("heading")).to_have_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    message = "Your summary must be 150 words or fewer"
    expect(page.locator("#summary-error")).to_contain_text(message)
    expect(errors).to_be_focused()  # by NHS.UK's script, which also handles the links
    check_accessibility(page, "#errors")
    errors.get_by_role("link", name=message).click()
    expect(summary).to_be_focused()


def test_share_an_idea_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        sign_in(page, *MIDWIFE)
        expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
        page.goto("/share-an-idea")
        expect(page.get_by_role("heading", level=1)).to_have_text("Share your idea")
        reference = start_idea(page)

        page.get_by_role("link", name=SECTIONS[0][1], exact=True).click()
        for number, (key, title, texts, choices) in enumerate(SECTIONS, start=1):
            expect(page).to_have_url(re.compile(rf"/ideas/{reference}/sections/{key}$"))
            expect(page.get_by_role("heading", level=1)).to_have_text(title)
            expect(page.get_by_text(f"Section {number} of 9")).to_be_visible()
            fill_section(page, texts, choices)
            page.get_by_role("button", name="Save and continue").click()

        expect(page).to_have_url(re.compile(rf"/ideas/{reference}/check$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Check your answers before submitting your idea"
        )
        expect(page.get_by_role("main")).to_contain_text(TITLE)
        page.get_by_role("button", name="Submit idea").click()

        expect(page).to_have_url(re.compile(rf"/ideas/{reference}/confirmation$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Idea submitted")
        expect(page.locator(".nhsuk-panel")).to_contain_text(reference)
        page.get_by_role("link", name="Go to your ideas").click()
        card = page.locator(".nhsuk-card").filter(has_text=reference)
        expect(card.locator(".nhsuk-tag")).to_have_text("Submitted")
    finally:
        context.close()
