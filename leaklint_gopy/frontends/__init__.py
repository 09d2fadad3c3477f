"""Front-ends: one per language, each lowering source files to FunctionIR."""
