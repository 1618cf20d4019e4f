"""spyglass.ingest"""
