"""The innovator's journey: landing page, draft form, check answers, submit, My ideas."""
