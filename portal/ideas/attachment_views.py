"""Attachments: upload, remove and download an idea's supporting files."""
