"""The Python front-end: `ast` trees lowered to FunctionIR, names resolved from the module's own
imports and classes (astroid only for receivers nothing else types), and the prefilter."""
