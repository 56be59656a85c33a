"""The host CPU as a compute target: its C kernels' encoders, cycle models, test layers and
bench."""
