"""spyglass.bias: segment disparity monitoring (identity groups in prompts, configured segments)."""
