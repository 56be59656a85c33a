"""The host CPU as a compute target: the C kernels of sw/kernels against hetsoc.golden (on
unicorn and on the Verilator SoC), their encoder, blob layouts and cycle model."""
