"""The pooling unit's gateware (imports only amaranth, hetsoc.spec, hetsoc.hw and this
package)."""
