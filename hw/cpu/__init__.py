"""The RV32IM host CPU, one unit per file."""
