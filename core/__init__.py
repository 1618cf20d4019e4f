"""The bottom layer: what every Spyglass package may import (settings, errors, metric names, time helpers); it imports nothing of the project."""
