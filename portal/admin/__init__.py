"""Administration: users, their roles and activation, and the audit trail."""
