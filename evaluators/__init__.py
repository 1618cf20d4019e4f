"""spyglass.evaluators"""
