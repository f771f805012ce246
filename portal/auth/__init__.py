"""Accounts: registration, signing in and out, passwords, roles and organisations."""
