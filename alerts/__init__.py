"""spyglass.alerts: rules over rollups and drift, states, silences, and delivery to channels."""
