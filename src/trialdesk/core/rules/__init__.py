"""Clinical rules: grading and response criteria (each rule set in its own subpackage)."""
