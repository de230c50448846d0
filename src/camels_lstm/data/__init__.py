"""Data stage: CAMELS US gauge catalogue and folder layout, download and archive extraction,
parsing of the text files, the zarr time-series store (build and read) and static attributes."""
