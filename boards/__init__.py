"""Board and SoC configs (configs/NAME.toml) and overlay builds."""
