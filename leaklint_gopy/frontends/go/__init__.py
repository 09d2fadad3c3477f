"""The Go front-end: tree-sitter-go trees lowered to FunctionIR, with the package's types, and the
prefilter that decides from bytes alone which packages are worth parsing. Never needs Go installed."""
