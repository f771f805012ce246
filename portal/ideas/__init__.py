"""Ideas: the innovator's form journey, attachments, the lifecycle and the leads' triage."""
