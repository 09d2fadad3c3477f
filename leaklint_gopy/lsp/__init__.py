"""`leaklint server`: a language server over stdio (pygls) that publishes leaklint's findings as
diagnostics on open and save, offers their verified fixes as quick fixes and shows a rule's
`explain` text on hover. `convert.py` maps findings to LSP values; `server.py` wires pygls.
"""
