"""Dataset loaders: read the extracted files of each source, in their publishers' formats, into
numpy arrays. The same loaders read the full datasets and the demo mirror's miniatures."""
