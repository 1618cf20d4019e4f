"""The bottom layer every Spyglass package may import: errors, metric names, time helpers; it imports nothing else."""
