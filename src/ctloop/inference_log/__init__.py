"""The inference log sink: KServe payload-logger CloudEvents → partitioned Parquet."""
