"""spyglass.core: the bottom layer every package may import; it imports nothing of the project."""
