"""The inference log sink: KServe payload-logger CloudEvents → partitioned Parquet.

Modules: ``events`` (parse, flatten, join; pure), ``sink`` (write-ahead log, buffer, flush),
``store`` (Parquet layout, reader), ``app`` (starlette ASGI app), ``cli`` (``logger serve``).
"""
