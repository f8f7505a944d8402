"""The contract of cki's files: Pandera models, code tables and the error catalogue.

Everything that defines what a participant may deliver lives here, and nothing here imports
from ``pipeline``: validation, the generated file-format reference and ``cki validate`` all
read these declarations.
"""
