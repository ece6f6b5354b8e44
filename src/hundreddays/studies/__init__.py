"""One module per study of the log: plain functions on arrays, paths and tensors."""
