"""`make loadtest`: the production shape on this machine, under real candidates.

Not part of `make test`: it takes minutes and its numbers depend on the machine.
"""
