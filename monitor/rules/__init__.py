"""The rule engine: analysts' YAML rules compiled into one matcher. Text in, hits out."""
