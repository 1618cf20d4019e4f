"""spyglass.demo: an instrumented sample LLM application that generates realistic traffic and incidents."""
