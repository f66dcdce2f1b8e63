"""Fast paths: backends that compute the reference unroller's exact maths, chosen at one dispatch point."""


def build() -> dict[str, tuple[bool, str]]:
    """Compile the C++ CPU loops now (or load them from the cache), rather than in the first fit that needs one.

    A fresh machine compiles each on its first use, 20-30 s apiece on 2 cores, cached in ``TORCH_EXTENSIONS_DIR``
    (default ``~/.cache/torch_extensions``) for every later process; ``make install`` calls this. Returns each
    extension's ``(ok, reason)``: without a compiler the layers run torch's kernels or the reference loop."""
    from . import cpu_gru, cpu_loop

    return {"cpu_gru": cpu_gru.build(), "cpu_loop": cpu_loop.build()}
