"""Blob storage behind one small interface (``store.BlobStore``), so the
filesystem store can give way to an S3-compatible one."""
