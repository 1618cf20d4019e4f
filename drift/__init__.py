"""spyglass.drift: reference vs current windows, per project/service/model; reports stored and alertable."""
