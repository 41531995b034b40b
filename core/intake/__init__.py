"""Customer-facing intake: the public survey and complaint pages customers fill in without
logging in (``/s/<token>``, ``/c/<site>``, ``/w/<site>/<form>``), the one-time links and
QR codes staff hand out, and what keeps those pages from being abused. See docs/intake.md."""
